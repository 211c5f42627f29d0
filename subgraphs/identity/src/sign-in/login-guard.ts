import { createHash } from 'node:crypto';
import pg from 'pg';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { withUnnamedStatements } from '@platform/db';
import { NotSignedIn, TooManyRequests } from '@platform/errors';

/** Failed logins in a row (within an hour) that lock an email. */
export const FAILURES_BEFORE_LOCKOUT = 5;
/** The first lockout; each further one within a day doubles it, up to a day. */
export const FIRST_LOCKOUT_SECONDS = 15 * 60;
const MAX_LOCKOUT_SECONDS = 24 * 3600;
/** Failed logins one address may make across all accounts in 15 minutes. */
export const FAILURES_PER_ADDRESS = 30;
/** Reset mails one email may be sent per hour, and one address may ask for in 15 minutes. */
export const RESET_REQUESTS_PER_EMAIL = 3;
export const RESET_REQUESTS_PER_ADDRESS = 10;

export type Refusal = 'locked_out' | 'throttled';

/** What a guarded password check came to. */
export type GuardedCheck<T> =
  /** The password was right; `value` is what the check returned. */
  | { outcome: 'accepted'; value: T }
  /** The password was checked and is wrong; `lockedForSeconds` when this failure locked the email. */
  | { outcome: 'rejected'; lockedForSeconds: number | null }
  /** Refused before any password was checked. */
  | { outcome: 'refused'; reason: Refusal };

/**
 * Lockout per email and throttling per address, with the counters in PostgreSQL so that every
 * identity instance sees the same state. Emails are keyed whether or not an account exists,
 * so a lockout tells nothing about which emails are registered.
 *
 * An attempt takes its point from both counters in one atomic upsert each *before* the password
 * is hashed, and gives it back when the password was right: however many attempts arrive at
 * once, at most FAILURES_BEFORE_LOCKOUT wrong passwords per email and FAILURES_PER_ADDRESS per
 * address are ever evaluated. (Reading the counters first and counting afterwards let a burst of
 * parallel guesses all be evaluated before the first failure was counted.)
 */
export class LoginGuard {
  private readonly failuresByEmail: RateLimiterPostgres;
  private readonly lockoutsByEmail: RateLimiterPostgres;
  private readonly failuresByAddress: RateLimiterPostgres;
  private readonly resetsByEmail: RateLimiterPostgres;
  private readonly resetsByAddress: RateLimiterPostgres;

  constructor(private readonly pool: pg.Pool) {
    const store = {
      storeClient: withUnnamedStatements(pool),
      storeType: 'pool',
      tableName: 'rate_limits',
      tableCreated: true,
      clearExpiredByTimeout: false,
    } as const;
    this.failuresByEmail = new RateLimiterPostgres({ ...store, keyPrefix: 'login-email', points: FAILURES_BEFORE_LOCKOUT, duration: 3600 });
    this.lockoutsByEmail = new RateLimiterPostgres({ ...store, keyPrefix: 'lockouts-email', points: 1_000, duration: 24 * 3600 });
    this.failuresByAddress = new RateLimiterPostgres({
      ...store,
      keyPrefix: 'login-address',
      points: FAILURES_PER_ADDRESS,
      duration: 15 * 60,
      blockDuration: 15 * 60,
    });
    this.resetsByEmail = new RateLimiterPostgres({ ...store, keyPrefix: 'reset-email', points: RESET_REQUESTS_PER_EMAIL, duration: 3600 });
    this.resetsByAddress = new RateLimiterPostgres({
      ...store,
      keyPrefix: 'reset-address',
      points: RESET_REQUESTS_PER_ADDRESS,
      duration: 15 * 60,
    });
  }

  static open(databaseUrl: string): LoginGuard {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 3 });
    pool.on('error', () => {}); // an idle connection that died: the pool replaces it
    return new LoginGuard(pool);
  }

  /**
   * Runs one password check for `email` from `address` under the lockout and the throttle. Every
   * place that checks a password (login, changing it, accepting an invitation as an existing
   * account) goes through here. `verify` answers null for a wrong password.
   */
  async check<T>(email: string, address: string | null, verify: () => Promise<T | null>): Promise<GuardedCheck<T>> {
    const emailKey = key(email);
    const addressKey = address ? key(address) : null;
    if (addressKey && !(await take(this.failuresByAddress, addressKey)).allowed) return { outcome: 'refused', reason: 'throttled' };
    const attempt = await take(this.failuresByEmail, emailKey);
    if (!attempt.allowed) {
      if (addressKey) await this.failuresByAddress.reward(addressKey);
      return { outcome: 'refused', reason: 'locked_out' };
    }
    let accepted: T | null;
    try {
      accepted = await verify();
    } catch (error) {
      await this.giveBack(emailKey, addressKey);
      throw error;
    }
    if (accepted !== null) {
      // A success ends the run of failures: the count is "in a row".
      await Promise.all([this.failuresByEmail.delete(emailKey), addressKey ? this.failuresByAddress.reward(addressKey) : null]);
      return { outcome: 'accepted', value: accepted };
    }
    // Only the attempt that took the last point can lock: later ones were refused above.
    if (attempt.res.consumedPoints < FAILURES_BEFORE_LOCKOUT) return { outcome: 'rejected', lockedForSeconds: null };
    const lockouts = await this.lockoutsByEmail.penalty(emailKey);
    const seconds = Math.min(FIRST_LOCKOUT_SECONDS * 2 ** (lockouts.consumedPoints - 1), MAX_LOCKOUT_SECONDS);
    await this.failuresByEmail.block(emailKey, seconds);
    return { outcome: 'rejected', lockedForSeconds: seconds };
  }

  /** A password was set through a reset link: its owner proved the mailbox, so the lock ends. */
  async unlock(email: string): Promise<void> {
    await this.failuresByEmail.delete(key(email));
  }

  /**
   * Counts a password-reset request; throws RATE_LIMITED beyond the limits. Keyed by email
   * whether or not an account exists, so the limit tells nothing either.
   */
  async countResetRequest(email: string, address: string | null): Promise<void> {
    const results = await Promise.all([take(this.resetsByEmail, key(email)), address ? take(this.resetsByAddress, key(address)) : null]);
    const refused = results.filter((r) => r && !r.allowed).map((r) => r!.res.msBeforeNext);
    if (refused.length)
      throw new TooManyRequests('Too many password reset requests; wait before asking again', Math.ceil(Math.max(...refused) / 1000));
  }

  private async giveBack(emailKey: string, addressKey: string | null): Promise<void> {
    await Promise.all([this.failuresByEmail.reward(emailKey), addressKey ? this.failuresByAddress.reward(addressKey) : null]);
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

export function refusal(reason: Refusal): NotSignedIn {
  return reason === 'locked_out'
    ? new NotSignedIn('Too many failed sign-ins for this email. Wait a while, or reset the password.', 'LOCKED_OUT')
    : new NotSignedIn('Too many failed sign-ins from your network address. Wait a few minutes.', 'THROTTLED');
}

/** Takes one point in one atomic upsert; `allowed` is false when none was left. */
async function take(limiter: RateLimiterPostgres, k: string): Promise<{ allowed: boolean; res: RateLimiterRes }> {
  try {
    return { allowed: true, res: await limiter.consume(k) };
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return { allowed: false, res: rejection };
    throw rejection;
  }
}

/** Counters are keyed by a hash: the table never holds an email or an address. */
function key(value: string): string {
  return createHash('sha256').update(value.toLowerCase()).digest('base64url');
}
