import { bearerTokenIfWellFormed, isPartnerKey, parsePartnerKey, partnerSecretMatches, type PartnerPrincipal } from '@platform/auth';
import type { ScopedDatabase } from '@platform/db';
import { unauthenticatedRequest } from '@platform/graphql-edge';
import { ACCESS_CACHE_MS } from './access';
import { Remembered } from './remembered';

/** What `app_partner_key()` answers for one client id. */
export interface PartnerKeyRow {
  publisher_id: string;
  key_hash: Uint8Array;
  mode: 'AUDIT' | 'ENFORCE';
  expires_at: Date | null;
  revoked_at: Date | null;
  created_by: string;
}

export interface PartnerCaller extends PartnerPrincipal {
  /** AUDIT: operations off the list run and are logged; ENFORCE: they are refused. */
  mode: 'AUDIT' | 'ENFORCE';
}

/** Reads the one row a key names; the gateway reads it with pg, the subgraphs through Prisma. */
export type PartnerKeyLookup = (clientId: string) => Promise<PartnerKeyRow | null>;

export function partnerKeyLookupOf(db: ScopedDatabase): PartnerKeyLookup {
  return async (clientId) => {
    const rows = await db.withScope({}, (tx) => tx.$queryRaw<PartnerKeyRow[]>`SELECT * FROM app_partner_key(${clientId}::uuid)`);
    return rows[0] ?? null;
  };
}

/**
 * Checks partner keys. A check is remembered for as long as a loaded access is
 * (ACCESS_CACHE_MS), so a revoked or rotated key stops working at every instance within that.
 */
export class PartnerKeys {
  private readonly checked = new Remembered<PartnerCaller | string>(ACCESS_CACHE_MS);

  constructor(private readonly lookup: PartnerKeyLookup) {}

  /** The caller a key stands for; UNAUTHENTICATED (HTTP 401) saying why when it stands for none. */
  async verify(key: string): Promise<PartnerCaller> {
    const outcome = await this.checked.get(key, () => this.check(key));
    if (typeof outcome === 'string') throw unauthenticatedRequest(outcome);
    return outcome;
  }

  private async check(key: string): Promise<PartnerCaller | string> {
    const parsed = parsePartnerKey(key);
    const row = parsed && (await this.lookup(parsed.clientId));
    if (!parsed || !row || !partnerSecretMatches(parsed.secret, row.key_hash)) return 'The API key is not valid';
    if (row.revoked_at) return 'The API key has been revoked';
    if (row.expires_at && row.expires_at.getTime() <= Date.now()) return 'The API key has expired';
    return { userId: row.created_by, publisherId: row.publisher_id, partnerClientId: parsed.clientId, mode: row.mode };
  }
}

/**
 * The partner key a request carries, in `X-Api-Key` or as the bearer token; null for none. A
 * request may not carry two credentials.
 */
export function partnerKeyOf(authorization: string | null, apiKey: string | null): string | null {
  if (apiKey && authorization) throw unauthenticatedRequest('Send either X-Api-Key or an Authorization header, not both');
  if (apiKey) return apiKey.trim();
  const bearer = bearerTokenIfWellFormed(authorization);
  return bearer && isPartnerKey(bearer) ? bearer : null;
}
