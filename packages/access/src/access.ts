import type { ScopedDatabase } from '@platform/db';
import { isPlatformPrincipal, type PartnerPrincipal, type PlatformPrincipal, type Principal, type SessionPrincipal } from '@platform/auth';
import { Remembered } from './remembered';
import { underSubscription, type Subscription, type Withheld } from './account-standing';

export type Access =
  | {
      status: 'granted';
      permissions: ReadonlySet<string>;
      /**
       * Set when the member's catalog rights come only from roles restricted to their own works:
       * they see and change only this songwriter's works.
       */
      ownWorksOf: string | null;
      /** What the account's subscription withholds of what the roles grant (past due, cancelled). */
      withheld: Withheld | null;
      /**
       * Set when the caller is in the publisher only through a platform operator's support
       * access: the grant's id, which the audit log names beside every change they make.
       */
      supportAccessId: string | null;
    }
  /**
   * The session was revoked or expired, the user disabled, or an admin of this publisher ended
   * the member's sessions after this sign-in.
   */
  | { status: 'session-ended' }
  /** The user holds no membership in the publisher. */
  | { status: 'not-a-member' };

interface StandingColumns {
  publisher_active: boolean;
  subscription_status: Subscription['status'];
  trial_ends_at: Date | null;
}

interface AccessRow extends StandingColumns {
  session_active: boolean;
  user_active: boolean;
  member_active: boolean;
  permissions: string[];
  own_works_of: string | null;
  support_access_id: string | null;
}

/**
 * What the principal may do in its active publisher, read in one query per request, together
 * with whether its session is still live: what its membership's roles grant, and what its role in
 * the publisher's account grants there (app_permissions_of, which partner keys read too). A
 * suspended membership (without an account role) or publisher keeps the session but grants
 * nothing; the account's subscription may withhold some of it (past due: reads and billing only).
 * The own-works restriction is the database's own rule (app_own_works_songwriter(), which
 * row-level security applies too), so both layers agree. A platform operator's live support
 * access counts like a membership, until it expires or is revoked.
 */
export async function loadAccess(db: ScopedDatabase, caller: Caller): Promise<Access> {
  if (isPlatformPrincipal(caller)) return loadPlatformAccess(db, caller);
  return caller.partnerClientId === undefined ? loadSessionAccess(db, caller) : loadPartnerAccess(db, caller);
}

/** Who an access is loaded for: a person or partner key in a publisher, or an operator. */
type Caller = Principal | PlatformPrincipal;

async function loadSessionAccess(db: ScopedDatabase, principal: SessionPrincipal): Promise<Access> {
  const rows = await db.withScope(
    { publisherId: principal.publisherId, userId: principal.userId },
    (tx) => tx.$queryRaw<AccessRow[]>`
      SELECT EXISTS (SELECT 1 FROM user_sessions s
                      WHERE s.id = ${principal.sessionId}::uuid AND s.user_id = u.id
                        AND s.revoked_at IS NULL AND s.expires_at > now()
                        AND (m.sessions_revoked_at IS NULL OR s.authenticated_at > m.sessions_revoked_at)) AS session_active,
             u.status = 'ACTIVE' AS user_active,
             coalesce(m.status = 'ACTIVE', false) OR am.user_id IS NOT NULL OR g.id IS NOT NULL AS member_active,
             p.status = 'ACTIVE' AS publisher_active,
             a.subscription_status, a.trial_ends_at,
             app_permissions_of(p.id, u.id) AS permissions,
             (SELECT app_own_works_songwriter()) AS own_works_of,
             CASE WHEN m.user_id IS NULL AND am.user_id IS NULL THEN g.id END AS support_access_id
        FROM publishers p
        JOIN accounts a ON a.id = p.account_id
        JOIN users u ON u.id = ${principal.userId}::uuid
        LEFT JOIN user_publishers m ON m.publisher_id = p.id AND m.user_id = u.id
        LEFT JOIN account_members am ON am.account_id = p.account_id AND am.user_id = u.id
        LEFT JOIN LATERAL (SELECT g.id FROM support_access_grants g
                            WHERE g.publisher_id = p.id AND g.user_id = u.id AND g.status = 'APPROVED' AND g.expires_at > now()
                            ORDER BY g.expires_at DESC LIMIT 1) g ON true
       WHERE p.id = ${principal.publisherId}::uuid AND (m.user_id IS NOT NULL OR am.user_id IS NOT NULL OR g.id IS NOT NULL)`,
  );
  const row = rows[0];
  if (!row) return (await sessionIsLive(db, principal)) ? { status: 'not-a-member' } : { status: 'session-ended' };
  if (!row.session_active || !row.user_active) return { status: 'session-ended' };
  // A client without a linked songwriter owns no works: the function answers the nil id.
  return grantedAccess(row.member_active ? row.permissions : [], row, row.support_access_id);
}

/**
 * What the roles grant, under the publisher's standing: a publisher its operators suspended
 * withholds everything (with the reason, so that every refusal says why), else the account's
 * subscription decides.
 */
function grantedAccess(
  permissions: string[],
  row: StandingColumns & { own_works_of: string | null },
  supportAccessId: string | null = null,
): Access {
  const ownWorksOf = row.own_works_of;
  if (!row.publisher_active) {
    const withheld = { reason: 'PUBLISHER_SUSPENDED' as const, message: SUSPENDED, permissions: new Set(permissions) };
    return { status: 'granted', permissions: new Set(), withheld, ownWorksOf, supportAccessId };
  }
  const subscription = { status: row.subscription_status, trialEndsAt: row.trial_ends_at };
  return { status: 'granted', ...underSubscription(new Set(permissions), subscription), ownWorksOf, supportAccessId };
}

const SUSPENDED = "This publisher is suspended by the platform's operators: nothing in it can be read or changed until they reactivate it";

async function sessionIsLive(db: ScopedDatabase, principal: SessionPrincipal): Promise<boolean> {
  const rows = await db.withScope(
    { userId: principal.userId },
    (tx) =>
      tx.$queryRaw<{ live: boolean }[]>`
      SELECT EXISTS (SELECT 1 FROM user_sessions s JOIN users u ON u.id = s.user_id
                      WHERE s.id = ${principal.sessionId}::uuid AND s.user_id = ${principal.userId}::uuid
                        AND s.revoked_at IS NULL AND s.expires_at > now() AND u.status = 'ACTIVE') AS live`,
  );
  return rows[0]?.live === true;
}

interface PartnerAccessRow extends StandingColumns {
  key_live: boolean;
  creator_active: boolean;
  permissions: string[];
  own_works_of: string | null;
}

/**
 * A partner key grants what it was given and its creator still holds in its publisher: the
 * intersection, read in one query. A key whose creator left the publisher, or was disabled,
 * grants nothing until someone who holds the permissions issues a new one. A revoked or expired
 * key ends like a session.
 */
async function loadPartnerAccess(db: ScopedDatabase, principal: PartnerPrincipal): Promise<Access> {
  const rows = await db.withScope(
    { publisherId: principal.publisherId, userId: principal.userId },
    (tx) => tx.$queryRaw<PartnerAccessRow[]>`
      SELECT c.revoked_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > now()) AS key_live,
             coalesce(u.status = 'ACTIVE', false) AND (coalesce(m.status = 'ACTIVE', false) OR am.user_id IS NOT NULL) AS creator_active,
             p.status = 'ACTIVE' AS publisher_active,
             a.subscription_status, a.trial_ends_at,
             ARRAY(SELECT unnest(app_permissions_of(c.publisher_id, c.created_by)) INTERSECT SELECT unnest(c.permissions)) AS permissions,
             (SELECT app_own_works_songwriter()) AS own_works_of
        FROM partner_clients c
        JOIN publishers p ON p.id = c.publisher_id
        JOIN accounts a ON a.id = p.account_id
        LEFT JOIN user_publishers m ON m.publisher_id = c.publisher_id AND m.user_id = c.created_by
        LEFT JOIN account_members am ON am.account_id = p.account_id AND am.user_id = c.created_by
        LEFT JOIN users u ON u.id = c.created_by
       WHERE c.publisher_id = ${principal.publisherId}::uuid AND c.id = ${principal.partnerClientId}::uuid`,
  );
  const row = rows[0];
  if (!row || !row.key_live) return { status: 'session-ended' };
  return grantedAccess(row.creator_active ? row.permissions : [], row);
}

/**
 * What a platform operator's session may do: the permissions of their platform role, while the
 * session is live and the person active. Read with no publisher in scope, where the role applies;
 * a role taken away ends what the session may do (`not-a-member`).
 */
async function loadPlatformAccess(db: ScopedDatabase, principal: PlatformPrincipal): Promise<Access> {
  const rows = await db.withScope(
    { userId: principal.userId },
    (tx) => tx.$queryRaw<{ live: boolean; permissions: string[] }[]>`
      SELECT EXISTS (SELECT 1 FROM user_sessions s JOIN users u ON u.id = s.user_id
                      WHERE s.id = ${principal.sessionId}::uuid AND s.user_id = ${principal.userId}::uuid
                        AND s.publisher_id IS NULL AND s.revoked_at IS NULL AND s.expires_at > now()
                        AND u.status = 'ACTIVE') AS live,
             app_platform_permissions() AS permissions`,
  );
  const row = rows[0]!;
  if (!row.live) return { status: 'session-ended' };
  if (row.permissions.length === 0) return { status: 'not-a-member' };
  return { status: 'granted', permissions: new Set(row.permissions), ownWorksOf: null, withheld: null, supportAccessId: null };
}

/**
 * How long a service may go on trusting a loaded access: a revoked session, a removed member or
 * a changed role takes effect at every instance within this time. It spares the query (whose
 * planning under row-level security dominates it) for the many requests one page makes.
 */
export const ACCESS_CACHE_MS = 500;

export interface AccessLoader {
  load(caller: Caller): Promise<Access>;
  /** Drops what this instance remembers of a caller, e.g. right after ending its session. */
  forget(caller: Caller): void;
}

export function cachedAccessLoader(db: ScopedDatabase, maxEntries = 10_000, onLookup?: (hit: boolean) => void): AccessLoader {
  const accesses = new Remembered<Access>(ACCESS_CACHE_MS, maxEntries, onLookup);
  const keyOf = (p: Caller) => `${p.sessionId ?? `partner:${p.partnerClientId}`}/${p.publisherId ?? 'platform'}/${p.userId}`;
  return {
    load: (caller) => accesses.get(keyOf(caller), () => loadAccess(db, caller)),
    forget: (caller) => accesses.forget(keyOf(caller)),
  };
}
