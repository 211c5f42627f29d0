import type { ScopedDatabase } from '@platform/db';
import type { PartnerPrincipal, Principal, SessionPrincipal } from '@platform/auth';
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
    }
  /**
   * The session was revoked or expired, the user disabled, or an admin of this publisher ended
   * the member's sessions after this sign-in.
   */
  | { status: 'session-ended' }
  /** The user holds no membership in the publisher. */
  | { status: 'not-a-member' };

interface SubscriptionColumns {
  subscription_status: Subscription['status'];
  trial_ends_at: Date | null;
}

interface AccessRow extends SubscriptionColumns {
  session_active: boolean;
  user_active: boolean;
  member_active: boolean;
  publisher_active: boolean;
  permissions: string[];
  own_works_of: string | null;
}

/**
 * What the principal may do in its active publisher, read in one query per request, together
 * with whether its session is still live: what its membership's roles grant, and what its role in
 * the publisher's account grants there (app_permissions_of, which partner keys read too). A
 * suspended membership (without an account role) or publisher keeps the session but grants
 * nothing; the account's subscription may withhold some of it (past due: reads and billing only).
 * The own-works restriction is the database's own rule (app_own_works_songwriter(), which
 * row-level security applies too), so both layers agree.
 */
export async function loadAccess(db: ScopedDatabase, principal: Principal): Promise<Access> {
  return principal.partnerClientId === undefined ? loadSessionAccess(db, principal) : loadPartnerAccess(db, principal);
}

async function loadSessionAccess(db: ScopedDatabase, principal: SessionPrincipal): Promise<Access> {
  const rows = await db.withScope(
    { publisherId: principal.publisherId, userId: principal.userId },
    (tx) => tx.$queryRaw<AccessRow[]>`
      SELECT EXISTS (SELECT 1 FROM user_sessions s
                      WHERE s.id = ${principal.sessionId}::uuid AND s.user_id = u.id
                        AND s.revoked_at IS NULL AND s.expires_at > now()
                        AND (m.sessions_revoked_at IS NULL OR s.authenticated_at > m.sessions_revoked_at)) AS session_active,
             u.status = 'ACTIVE' AS user_active,
             coalesce(m.status = 'ACTIVE', false) OR am.user_id IS NOT NULL AS member_active,
             p.status = 'ACTIVE' AS publisher_active,
             a.subscription_status, a.trial_ends_at,
             app_permissions_of(p.id, u.id) AS permissions,
             (SELECT app_own_works_songwriter()) AS own_works_of
        FROM publishers p
        JOIN accounts a ON a.id = p.account_id
        JOIN users u ON u.id = ${principal.userId}::uuid
        LEFT JOIN user_publishers m ON m.publisher_id = p.id AND m.user_id = u.id
        LEFT JOIN account_members am ON am.account_id = p.account_id AND am.user_id = u.id
       WHERE p.id = ${principal.publisherId}::uuid AND (m.user_id IS NOT NULL OR am.user_id IS NOT NULL)`,
  );
  const row = rows[0];
  if (!row) return (await sessionIsLive(db, principal)) ? { status: 'not-a-member' } : { status: 'session-ended' };
  if (!row.session_active || !row.user_active) return { status: 'session-ended' };
  // A client without a linked songwriter owns no works: the function answers the nil id.
  return grantedAccess(row.member_active && row.publisher_active ? row.permissions : [], row);
}

function grantedAccess(permissions: string[], row: SubscriptionColumns & { own_works_of: string | null }): Access {
  const subscription = { status: row.subscription_status, trialEndsAt: row.trial_ends_at };
  return { status: 'granted', ...underSubscription(new Set(permissions), subscription), ownWorksOf: row.own_works_of };
}

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

interface PartnerAccessRow extends SubscriptionColumns {
  key_live: boolean;
  creator_active: boolean;
  publisher_active: boolean;
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
  return grantedAccess(row.creator_active && row.publisher_active ? row.permissions : [], row);
}

/**
 * How long a service may go on trusting a loaded access: a revoked session, a removed member or
 * a changed role takes effect at every instance within this time. It spares the query (whose
 * planning under row-level security dominates it) for the many requests one page makes.
 */
export const ACCESS_CACHE_MS = 500;

export interface AccessLoader {
  load(principal: Principal): Promise<Access>;
  /** Drops what this instance remembers of a principal, e.g. right after ending its session. */
  forget(principal: Principal): void;
}

export function cachedAccessLoader(db: ScopedDatabase, maxEntries = 10_000, onLookup?: (hit: boolean) => void): AccessLoader {
  const accesses = new Remembered<Access>(ACCESS_CACHE_MS, maxEntries, onLookup);
  const keyOf = (p: Principal) => `${p.sessionId ?? `partner:${p.partnerClientId}`}/${p.publisherId}/${p.userId}`;
  return {
    load: (principal) => accesses.get(keyOf(principal), () => loadAccess(db, principal)),
    forget: (principal) => accesses.forget(keyOf(principal)),
  };
}
