import pg from 'pg';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { bearerTokenIfWellFormed, unverifiedPrincipal, type PartnerPrincipal, type TokenPrincipal } from '@platform/auth';
import { withUnnamedStatements } from '@platform/db';
import { rateLimitedRequest } from '@platform/graphql-edge';
import type { RateLimitSettings } from '@platform/service';

/**
 * One limit, counted twice: first in this instance's memory, then in PostgreSQL, which every
 * gateway instance shares. The memory count refuses a burst before it reaches the database (a
 * thousand requests at once cost a thousand upserts otherwise, queued ahead of everyone else's);
 * the shared count holds the limit across instances. Once a key has used its window, the shared
 * limiter also refuses it from memory until the window ends. Should the database fail, the
 * memory count alone keeps limiting (per instance) rather than letting everything through.
 */
class TwoTierLimit {
  private readonly local: RateLimiterMemory;
  private readonly shared: RateLimiterAbstract | null;

  constructor(
    keyPrefix: string,
    private readonly points: number,
    duration: number,
    pool: pg.Pool | null,
  ) {
    this.local = new RateLimiterMemory({ keyPrefix, points, duration });
    this.shared = pool
      ? new RateLimiterPostgres({
          storeClient: withUnnamedStatements(pool),
          storeType: 'pool',
          tableName: 'rate_limits',
          tableCreated: true,
          // Rows of keys not seen for an hour (sign-in throttles included) are pruned by one of
          // the limiters; the prune runs every five minutes, off the request path.
          clearExpiredByTimeout: keyPrefix === 'gateway-user',
          keyPrefix,
          points,
          duration,
          inMemoryBlockOnConsumed: points,
          insuranceLimiter: new RateLimiterMemory({ keyPrefix: `${keyPrefix}-insurance`, points, duration }),
        })
      : null;
  }

  /** Takes one request from `key`'s window: null when allowed, else seconds until it would be. */
  async take(key: string): Promise<number | null> {
    for (const limiter of this.shared ? [this.local, this.shared] : [this.local]) {
      const wait = await spend(limiter, key);
      if (wait !== null) return wait;
    }
    return null;
  }

  /** Seconds until `key` may send again, when this instance already refused it in this window. */
  async refusedFor(key: string): Promise<number | null> {
    const used = await this.local.get(key);
    return used && used.consumedPoints > this.points ? used.msBeforeNext / 1000 : null;
  }
}

/** Takes one point of `key`: null when allowed, else seconds until the window lets it in. */
async function spend(limiter: RateLimiterAbstract, key: string): Promise<number | null> {
  try {
    await limiter.consume(key);
    return null;
  } catch (refusal) {
    if (refusal instanceof RateLimiterRes) return refusal.msBeforeNext / 1000;
    throw refusal;
  }
}

/** What a caller over each limit is told. */
const REFUSED = {
  user: 'Too many requests from your account; retry shortly',
  publisher: 'Too many requests for your publisher; retry shortly',
  address: 'Too many requests from your address; retry shortly',
  partnerKey: 'Too many requests with this API key; retry shortly',
} as const;

export interface Refusal {
  message: string;
  retryAfterSeconds: number;
}

/**
 * Per-user, per-publisher and per-address (for callers without a token) request rates at the
 * gateway, so one publisher's load cannot crowd out another's (README "Fairness between
 * publishers"). Keys come from the verified token only: an X-Tenant-ID header never decides whose
 * budget a request spends.
 */
export class RequestRates {
  private readonly perUser: TwoTierLimit;
  private readonly perPublisher: TwoTierLimit;
  private readonly perAddress: TwoTierLimit;
  private readonly perPartnerKey: TwoTierLimit;
  private readonly earlyPerToken: RateLimiterMemory;
  private readonly earlyPerAddress: RateLimiterMemory;

  /** Shared through `pool` when one is given; otherwise this instance counts alone. */
  constructor(settings: RateLimitSettings, pool: pg.Pool | null) {
    const window = settings.windowSeconds;
    this.earlyPerToken = new RateLimiterMemory({ keyPrefix: 'early-token', points: settings.perUser, duration: window });
    this.earlyPerAddress = new RateLimiterMemory({ keyPrefix: 'early-address', points: settings.perAnonymousAddress, duration: window });
    this.perUser = new TwoTierLimit('gateway-user', settings.perUser, window, pool);
    this.perPublisher = new TwoTierLimit('gateway-publisher', settings.perPublisher, window, pool);
    this.perAddress = new TwoTierLimit('gateway-address', settings.perAnonymousAddress, window, pool);
    this.perPartnerKey = new TwoTierLimit('gateway-partner-key', settings.perPartnerKey, window, pool);
  }

  /**
   * Refuses (HTTP 429, RATE_LIMITED, Retry-After) a request over any of its limits. The user's
   * own limit is taken first, so a user refused for their own rate spends nothing of their
   * publisher's: one member's flood cannot use up their colleagues' budget.
   */
  async admit(principal: TokenPrincipal | null, address: string | null): Promise<void> {
    if (!principal) {
      const wait = await this.perAddress.take(address ?? 'unknown');
      if (wait !== null) throw rateLimitedRequest(REFUSED.address, wait);
      return;
    }
    const userWait = await this.perUser.take(principal.userId);
    if (userWait !== null) throw rateLimitedRequest(REFUSED.user, userWait);
    // A platform operator's session is in no publisher: their own limit is the only one.
    if (principal.publisherId === undefined) return;
    const publisherWait = await this.perPublisher.take(principal.publisherId);
    if (publisherWait !== null) throw rateLimitedRequest(REFUSED.publisher, publisherWait);
  }

  /**
   * A partner key's calls: its own limit first, then its publisher's, which its people share, so
   * a busy integration cannot crowd out the publisher's staff more than its own limit allows.
   */
  async admitPartner(caller: PartnerPrincipal): Promise<void> {
    const keyWait = await this.perPartnerKey.take(caller.partnerClientId);
    if (keyWait !== null) throw rateLimitedRequest(REFUSED.partnerKey, keyWait);
    const publisherWait = await this.perPublisher.take(caller.publisherId);
    if (publisherWait !== null) throw rateLimitedRequest(REFUSED.publisher, publisherWait);
  }

  /**
   * A refusal decided before the request is read, in this instance's memory: a flood is then
   * answered for a fraction of what verifying its token and running Apollo's pipeline cost, and
   * the requests of others wait behind less of it. Each token (and each address without one) is
   * counted here as it arrives, so that even a burst sent in one instant is cut at the limit;
   * `admit` still counts the verified user and publisher afterwards. The token is not verified
   * here, which is safe because nothing here admits anything: a request is counted against the
   * exact token it carries (a forger cannot spend someone else's), and the user and publisher it
   * claims are only looked up to refuse callers that `admit` has already refused in this window.
   */
  async refusalBeforeReading(authorization: string | null, address: string | null): Promise<Refusal | null> {
    if (!authorization) {
      const wait = await spend(this.earlyPerAddress, address ?? 'unknown');
      return wait === null ? null : { message: REFUSED.address, retryAfterSeconds: wait };
    }
    const token = bearerTokenIfWellFormed(authorization);
    const claimed = token ? unverifiedPrincipal(token) : null;
    if (!token || !claimed) return null;
    const tokenWait = await spend(this.earlyPerToken, token.slice(token.lastIndexOf('.') + 1));
    if (tokenWait !== null) return { message: REFUSED.user, retryAfterSeconds: tokenWait };
    const userWait = await this.perUser.refusedFor(claimed.userId);
    if (userWait !== null) return { message: REFUSED.user, retryAfterSeconds: userWait };
    const publisherWait = await this.perPublisher.refusedFor(claimed.publisherId);
    return publisherWait === null ? null : { message: REFUSED.publisher, retryAfterSeconds: publisherWait };
  }
}
