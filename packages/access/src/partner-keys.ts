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
  private readonly checked = new Remembered<PartnerCaller | RefusedKey>(ACCESS_CACHE_MS);

  /** `onRefused`: told of every refused key, with the client it names when that client exists. */
  constructor(
    private readonly lookup: PartnerKeyLookup,
    private readonly onRefused?: (refused: RefusedKey) => void,
  ) {}

  /** The caller a key stands for; UNAUTHENTICATED (HTTP 401) saying why when it stands for none. */
  async verify(key: string): Promise<PartnerCaller> {
    const outcome = await this.checked.get(key, () => this.check(key));
    if ('refusal' in outcome) {
      this.onRefused?.(outcome);
      throw unauthenticatedRequest(outcome.refusal);
    }
    return outcome;
  }

  private async check(key: string): Promise<PartnerCaller | RefusedKey> {
    const parsed = parsePartnerKey(key);
    const row = parsed && (await this.lookup(parsed.clientId));
    if (!parsed || !row) return { refusal: 'The API key is not valid', reason: 'invalid', publisherId: null, partnerClientId: null };
    const client = { publisherId: row.publisher_id, partnerClientId: parsed.clientId };
    if (!partnerSecretMatches(parsed.secret, row.key_hash))
      return { refusal: 'The API key is not valid', reason: 'wrong_secret', ...client };
    if (row.revoked_at) return { refusal: 'The API key has been revoked', reason: 'revoked', ...client };
    if (row.expires_at && row.expires_at.getTime() <= Date.now())
      return { refusal: 'The API key has expired', reason: 'expired', ...client };
    return { userId: row.created_by, ...client, mode: row.mode };
  }
}

/** A key that stands for no caller, and the client it names where that client exists. */
export interface RefusedKey {
  refusal: string;
  reason: 'invalid' | 'wrong_secret' | 'revoked' | 'expired';
  publisherId: string | null;
  partnerClientId: string | null;
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
