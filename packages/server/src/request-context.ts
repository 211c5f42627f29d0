import type http from 'node:http';
import { AccessTokenVerifier, InvalidTokenError, bearerToken, type Principal } from '@platform/auth';
import type { ScopedDatabase, Tx } from '@platform/db';
import type { Logger } from 'pino';
import { loadAccess } from './access';
import { unauthenticated, unauthenticatedRequest } from './errors';

/** What every resolver of every subgraph gets. */
export interface RequestContext {
  requestId: string;
  /** null for a request without a token (only login and the schema itself answer those). */
  principal: Principal | null;
  /** Permission keys granted in the active publisher. */
  permissions: ReadonlySet<string>;
  /** Runs one unit of work in one transaction, scoped to this request's publisher and user. */
  inScope<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  client: { ip: string | null; userAgent: string | null };
  log: Logger;
}

export interface ContextDependencies {
  db: ScopedDatabase;
  verifier: AccessTokenVerifier;
  log: Logger;
}

/** The one request-context builder: token → principal → access, or UNAUTHENTICATED. */
export function createContextBuilder(deps: ContextDependencies) {
  return async (req: http.IncomingMessage): Promise<RequestContext> => {
    const requestId = header(req, 'x-request-id') ?? crypto.randomUUID();
    const log = deps.log.child({ requestId });
    const principal = await authenticate(deps.verifier, header(req, 'authorization'));
    let permissions: ReadonlySet<string> = new Set();
    if (principal) {
      const access = await loadAccess(deps.db, principal);
      if (!access) throw unauthenticatedRequest('Your session has ended or you are no longer a member of this publisher; sign in again');
      permissions = access.permissions;
    }
    const scope = { publisherId: principal?.publisherId ?? null, userId: principal?.userId ?? null };
    return {
      requestId,
      principal,
      permissions,
      inScope: (work) => deps.db.withScope(scope, work),
      client: { ip: req.socket.remoteAddress ?? null, userAgent: header(req, 'user-agent') },
      log,
    };
  };
}

/** Shared with the gateway, which checks tokens before planning anything. */
export async function authenticate(verifier: AccessTokenVerifier, authorization: string | null): Promise<Principal | null> {
  try {
    const token = bearerToken(authorization);
    return token ? await verifier.verify(token) : null;
  } catch (error) {
    if (error instanceof InvalidTokenError) throw unauthenticatedRequest(error.message);
    throw error;
  }
}


function header(req: http.IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

/**
 * The signed-in caller, for services behind rules that already refuse anonymous callers; the
 * check keeps that assumption explicit rather than asserted.
 */
export function requirePrincipal(ctx: RequestContext): Principal {
  if (!ctx.principal) throw unauthenticated();
  return ctx.principal;
}
