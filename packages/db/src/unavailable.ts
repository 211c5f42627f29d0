import { ServiceUnavailable } from '@platform/errors';
import { driverCause } from './rule-violation';

/** Prisma's codes for a database it cannot reach, or a connection it could not get or keep. */
const UNREACHABLE_CODES = new Set([
  'P1001', // can't reach the database server
  'P1002', // reached it, but it timed out
  'P1017', // the server closed the connection
  'P2024', // timed out fetching a connection from the pool
]);

/** What the driver adapter says of a connection that failed (its `cause.kind`). */
const UNREACHABLE_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);

/**
 * PostgreSQL's own words for "not now": shutting down or starting up (57P01–57P03), too many
 * connections (53300), and the connection-exception class (08…).
 */
const UNAVAILABLE_SQLSTATE = /^(57P0[123]|53300|08...)$/;

/** node-postgres's own words for a connection that failed under a query (no SQLSTATE of its own). */
const CONNECTION_LOST = /Connection terminated|Client has encountered a connection error|ECONNREFUSED|ECONNRESET/;

/** P2028, for a transaction that waited longer than it may for a connection. */
const NO_CONNECTION_IN_TIME = /Unable to start a transaction in the given time/;

interface PrismaLikeError {
  code?: unknown;
  message?: unknown;
}

/**
 * The database unreachable, restarting or out of connections, as the one error clients are told
 * (SERVICE_UNAVAILABLE, with when to retry) instead of Prisma's internal message. Anything else
 * is not this function's to say: null.
 */
export function asServiceUnavailable(error: unknown): ServiceUnavailable | null {
  const e = error as PrismaLikeError | null;
  if (!e || typeof e !== 'object') return null;
  const cause = driverCause(error);
  const busy = e.code === 'P2028' && typeof e.message === 'string' && NO_CONNECTION_IN_TIME.test(e.message);
  if (busy || e.code === 'P2024') {
    return new ServiceUnavailable(
      'The service is busy: no database connection came free in time. Nothing was changed; retry in a moment',
      1,
    );
  }
  const unreachable =
    (typeof e.code === 'string' && (UNREACHABLE_CODES.has(e.code) || UNAVAILABLE_SQLSTATE.test(e.code))) ||
    (typeof e.message === 'string' && CONNECTION_LOST.test(e.message)) ||
    (typeof cause?.kind === 'string' && UNREACHABLE_KINDS.has(cause.kind)) ||
    (typeof cause?.originalCode === 'string' && UNAVAILABLE_SQLSTATE.test(cause.originalCode));
  return unreachable
    ? new ServiceUnavailable('The database is not reachable right now. Nothing was changed; retry in a few seconds', 5)
    : null;
}
