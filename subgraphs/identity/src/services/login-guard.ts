import { createHash } from 'node:crypto';
import pg from 'pg';
import { RateLimiterPostgres, type RateLimiterRes } from 'rate-limiter-flexible';
import { unauthenticated } from '@platform/server';

/** Failed logins in a row (within an hour) that lock an email. */
export const FAILURES_BEFORE_LOCKOUT = 5;
/** The first lockout; each further one within a day doubles it, up to a day. */
export const FIRST_LOCKOUT_SECONDS = 15 * 60;
const MAX_LOCKOUT_SECONDS = 24 * 3600;
/** Failed logins one address may make across all accounts in 15 minutes. */
export const FAILURES_PER_ADDRESS = 30;

/**
 * Lockout per email and throttling per address, with the counters in PostgreSQL so that every
 * identity instance sees the same state. Emails are keyed whether or not an account exists,
 * so a lockout tells nothing about which emails are registered.
 */
export class LoginGuard {
  private readonly failuresByEmail: RateLimiterPostgres;
  private readonly lockoutsByEmail: RateLimiterPostgres;
  private readonly failuresByAddress: RateLimiterPostgres;

  constructor(private readonly pool: pg.Pool) {
    const store = { storeClient: pool, storeType: 'pool', tableName: 'rate_limits', tableCreated: true, clearExpiredByTimeout: false } as const;
    this.failuresByEmail = new RateLimiterPostgres({ ...store, keyPrefix: 'login-email', points: FAILURES_BEFORE_LOCKOUT, duration: 3600 });
    this.lockoutsByEmail = new RateLimiterPostgres({ ...store, keyPrefix: 'lockouts-email', points: 1_000, duration: 24 * 3600 });
    this.failuresByAddress = new RateLimiterPostgres({ ...store, keyPrefix: 'login-address', points: FAILURES_PER_ADDRESS, duration: 15 * 60, blockDuration: 15 * 60 });
  }

  static open(databaseUrl: string): LoginGuard {
    return new LoginGuard(new pg.Pool({ connectionString: databaseUrl, max: 3 }));
  }

  /** Throws before any password is checked when the email is locked or the address throttled. */
  async assertAllowed(email: string, address: string | null): Promise<'locked_out' | 'throttled' | null> {
    const [byEmail, byAddress] = await Promise.all([
      this.failuresByEmail.get(key(email)),
      address ? this.failuresByAddress.get(key(address)) : null,
    ]);
    if (exhausted(byAddress, FAILURES_PER_ADDRESS)) return 'throttled';
    if (exhausted(byEmail, FAILURES_BEFORE_LOCKOUT)) return 'locked_out';
    return null;
  }

  /** Counts a failure; returns the lockout in seconds when this failure locked the email. */
  async recordFailure(email: string, address: string | null): Promise<number | null> {
    if (address) await this.failuresByAddress.penalty(key(address));
    const failures = await this.failuresByEmail.penalty(key(email));
    if (failures.consumedPoints < FAILURES_BEFORE_LOCKOUT) return null;
    const lockouts = await this.lockoutsByEmail.penalty(key(email));
    const seconds = Math.min(FIRST_LOCKOUT_SECONDS * 2 ** (lockouts.consumedPoints - 1), MAX_LOCKOUT_SECONDS);
    await this.failuresByEmail.block(key(email), seconds);
    return seconds;
  }

  async recordSuccess(email: string): Promise<void> {
    await this.failuresByEmail.delete(key(email));
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

export function refusal(reason: 'locked_out' | 'throttled') {
  const error =
    reason === 'locked_out'
      ? unauthenticated('Too many failed sign-ins for this email. Wait a while, or reset the password.')
      : unauthenticated('Too many failed sign-ins from your network address. Wait a few minutes.');
  error.extensions.reason = reason === 'locked_out' ? 'LOCKED_OUT' : 'THROTTLED';
  return error;
}

function exhausted(res: RateLimiterRes | null, points: number): boolean {
  return res !== null && res.consumedPoints >= points && res.msBeforeNext > 0;
}

/** Counters are keyed by a hash: the table never holds an email or an address. */
function key(value: string): string {
  return createHash('sha256').update(value.toLowerCase()).digest('base64url');
}
