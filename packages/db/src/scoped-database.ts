import { disconnectPrismaClient, poolUsageOf, type PrismaClient } from './client';
import { Prisma } from '../generated/prisma/client';
import { ReadSession } from './read-session';
import { asRuleViolation } from './rule-violation';
import { asServiceUnavailable } from './unavailable';

export type Tx = Prisma.TransactionClient;

/** Runs one unit of work in one transaction whose scope is already chosen (a request's). */
export type InScope = <T>(work: (tx: Tx) => Promise<T>) => Promise<T>;

/**
 * Whose request a unit of work runs for. Row-level security policies read these values; an
 * absent value matches no row, so an empty scope sees nothing protected.
 */
export interface AccessScope {
  publisherId?: string | null;
  userId?: string | null;
  /** Only while a login checks the password of this (lower-cased) email. */
  loginEmail?: string | null;
  /** Only while a refresh token renews this session (no access token exists then). */
  sessionId?: string | null;
  /** Only while a password reset redeems the token with this hash. */
  resetTokenHash?: string | null;
  /** Only while an invitation with this token hash is accepted. */
  invitationTokenHash?: string | null;
}

/**
 * How long a unit of work waits for a free connection before it is refused (SERVICE_UNAVAILABLE).
 * A request's reads hold their connection for the whole request, so under load a turn at the
 * pool takes longer than Prisma's default of 2 s allows for.
 */
export const POOL_WAIT_MS = 5_000;

/** The longest a request's reads may share a transaction; a read after that fails and is retried by the client. */
const READ_SESSION_TIMEOUT_MS = 30_000;

/** SET TRANSACTION READ ONLY, in the same statement as the scope: no round trip of its own. */
const READ_ONLY = Prisma.sql`, set_config('transaction_read_only', 'on', true)`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The one way request code reaches the database: one transaction per unit of work, the
 * row-level-security settings set once at its start with set_config(..., true). Being
 * transaction-local, they can never leak to the next user of a pooled connection (which also
 * keeps this safe behind PgBouncer in transaction mode).
 */
export class ScopedDatabase {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * `timeoutMs`: how long the transaction may stay open (5 s unless a long unit of work, an import,
   * says more). `readOnly`: PostgreSQL refuses any write in it.
   */
  async withScope<T>(
    scope: AccessScope,
    work: (tx: Tx) => Promise<T>,
    options: { timeoutMs?: number; readOnly?: boolean } = {},
  ): Promise<T> {
    assertUuid('publisherId', scope.publisherId);
    assertUuid('userId', scope.userId);
    assertUuid('sessionId', scope.sessionId);
    try {
      return await this.prisma.$transaction(
        async (tx) => {
          await tx.$executeRaw`SELECT set_config('app.publisher_id', ${scope.publisherId ?? ''}, true),
                                    set_config('app.user_id', ${scope.userId ?? ''}, true),
                                    set_config('app.login_email', ${scope.loginEmail ?? ''}, true),
                                    set_config('app.session_id', ${scope.sessionId ?? ''}, true),
                                    set_config('app.reset_token_hash', ${scope.resetTokenHash ?? ''}, true),
                                    set_config('app.invitation_token_hash', ${scope.invitationTokenHash ?? ''}, true)
                                    ${options.readOnly ? READ_ONLY : Prisma.empty}`;
          return work(tx);
        },
        { maxWait: POOL_WAIT_MS, ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}) },
      );
    } catch (error) {
      // Rules checked by the database at commit arrive as driver errors; they are the caller's.
      // A database away or out of connections is said as such, never in Prisma's words.
      throw asRuleViolation(error) ?? asServiceUnavailable(error) ?? error;
    }
  }

  /**
   * One read-only transaction for every read of a request (see ReadSession); the request ends it.
   * It may stay open as long as a request may take.
   */
  readSession(scope: AccessScope): ReadSession {
    return new ReadSession(
      (held) => this.withScope(scope, held, { timeoutMs: READ_SESSION_TIMEOUT_MS, readOnly: true }),
      (work) => this.withScope(scope, work, { readOnly: true }),
    );
  }

  /** A liveness probe for health checks; touches no table. */
  async ping(): Promise<void> {
    await this.prisma.$queryRaw`SELECT 1`;
  }

  /** The pool's connections now (metrics). */
  poolUsage() {
    return poolUsageOf(this.prisma);
  }

  disconnect(): Promise<void> {
    return disconnectPrismaClient(this.prisma);
  }
}

/**
 * Moves a transaction of the platform's own work to another publisher, for the rest of it: a
 * billing event recorded in each publisher of its account, in one transaction. Never for a
 * request, whose scope is its caller's.
 */
export async function continueInPublisher(tx: Tx, publisherId: string): Promise<void> {
  assertUuid('publisherId', publisherId);
  await tx.$executeRaw`SELECT set_config('app.publisher_id', ${publisherId}, true)`;
}

function assertUuid(name: string, value: string | null | undefined): void {
  // The policies cast the settings to uuid; a malformed value would fail every query of the
  // transaction with a cast error instead of simply matching nothing.
  if (value != null && !UUID.test(value)) throw new TypeError(`${name} must be a UUID`);
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}
