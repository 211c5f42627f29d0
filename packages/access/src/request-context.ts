import type http from 'node:http';
import {
  AccessTokenVerifier,
  InvalidTokenError,
  bearerToken,
  isPlatformPrincipal,
  type Actor,
  type Operator,
  type PlatformPrincipal,
  type Principal,
  type TokenPrincipal,
} from '@platform/auth';
import { isUuid, type ScopedDatabase, type Tx } from '@platform/db';
import type { Logger } from 'pino';
import { cachedAccessLoader } from './access';
import { clientAddress, requestHeader, requestIdOf } from '@platform/http';
import { forbidden, forbiddenRequest, serviceUnavailableRequest, unauthenticated, unauthenticatedRequest } from '@platform/graphql-edge';
import { ServiceUnavailable } from '@platform/errors';
import { partnerKeyLookupOf, partnerKeyOf, PartnerKeys, type PartnerCaller } from './partner-keys';
import type { PublisherLanes } from './publisher-lanes';
import type { Withheld } from './account-standing';

/** What every resolver of every subgraph gets. */
export interface RequestContext {
  requestId: string;
  /**
   * Who acts, in which publisher; null for a request without a token (only login and the schema
   * itself answer those) and for a platform operator's session, which is in no publisher.
   */
  principal: Principal | null;
  /** A platform operator's session: set instead of `principal`. */
  operator: PlatformPrincipal | null;
  /** Permission keys granted in the active publisher, or an operator's platform permissions. */
  permissions: ReadonlySet<string>;
  /** Set for a member who may see only the works of this songwriter (a platform's client). */
  ownWorksOf: string | null;
  /** What the account's subscription withholds of the caller's grants, and why. */
  withheld: Withheld | null;
  /** The platform operator's support access the caller is in the publisher through, if any. */
  supportAccessId: string | null;
  /**
   * Reads in this request's scope, in the request's one read-only transaction (opened by the first
   * read, committed once the response is sent): DataLoader batches and lists share it.
   */
  read<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /** Runs one unit of work (reads and writes) in a transaction of its own, in this request's scope. */
  inScope<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Runs a service for the signed-in caller: a transaction of its own in this request's scope,
   * and the actor. Like `inScope` and `operate`, it ends the request's read transaction first, so
   * that a request never holds two connections (requests waiting on each other for the pool's
   * last one).
   */
  act<T>(work: (tx: Tx, actor: Actor) => Promise<T>, options?: { timeoutMs?: number }): Promise<T>;
  /** Runs a service for a platform operator: one transaction without a publisher, and the operator. */
  operate<T>(work: (tx: Tx, operator: Operator) => Promise<T>): Promise<T>;
  client: { ip: string | null; userAgent: string | null };
  log: Logger;
  /** Makes this instance re-check the caller's access on its next request (after a logout). */
  forgetAccess(): void;
}

export interface ContextDependencies {
  db: ScopedDatabase;
  verifier: AccessTokenVerifier;
  log: Logger;
  trustedProxies: ReadonlySet<string> | 'all';
  lanes: PublisherLanes;
  /** Told of every access-cache lookup: found (hit) or loaded (miss). */
  onAccessLookup?: (hit: boolean) => void;
}

/**
 * The one request-context builder: token → a turn in its publisher's lane → access, or
 * UNAUTHENTICATED. The turn is held until the response is sent (`whenDone`).
 */
export function createContextBuilder(deps: ContextDependencies) {
  const accessOf = cachedAccessLoader(deps.db, undefined, deps.onAccessLookup);
  const partnerKeys = new PartnerKeys(partnerKeyLookupOf(deps.db));
  const build = async (req: http.IncomingMessage, whenDone: (release: () => void) => void): Promise<RequestContext> => {
    const requestId = requestIdOf(req);
    const authorization = requestHeader(req, 'authorization');
    const partnerKey = partnerKeyOf(authorization, requestHeader(req, 'x-api-key'));
    const verified: Principal | TokenPrincipal | null = partnerKey
      ? partnerPrincipal(await partnerKeys.verify(partnerKey))
      : await authenticate(deps.verifier, authorization);
    const operator = isPlatformPrincipal(verified) ? verified : null;
    const token = isPlatformPrincipal(verified) ? null : verified;
    const ip = clientAddress(req, deps.trustedProxies);
    // Admitted by the publisher the token was signed for, never by a header: a forged or foreign
    // X-Tenant-ID cannot queue work in another publisher's lane. Nothing before this line touches
    // the database but a partner key's lookup (one row by primary key, remembered for 500 ms).
    whenDone(await deps.lanes.enter(laneOf(token, operator, ip)));
    const legacyTenant = requestHeader(req, LEGACY_TENANT_HEADER);
    if (legacyTenant && partnerKey) throw partnerWithTenantHeader();
    if (legacyTenant && operator) throw forbiddenRequest(`A platform session is in no publisher; send no ${LEGACY_TENANT_HEADER}`);
    const principal = token && legacyTenant ? actingInLegacyTenant(token, legacyTenant) : token;
    let permissions: ReadonlySet<string> = new Set();
    let ownWorksOf: string | null = null;
    let withheld: Withheld | null = null;
    let supportAccessId: string | null = null;
    if (principal) {
      const access = await accessOf.load(principal);
      if (access.status === 'session-ended') throw unauthenticatedRequest('Your session has ended; sign in again');
      if (access.status === 'not-a-member') {
        throw legacyTenant
          ? forbiddenRequest(`${LEGACY_TENANT_HEADER} names a publisher you are not a member of`)
          : unauthenticatedRequest('You are no longer a member of this publisher; sign in again');
      }
      permissions = access.permissions;
      ownWorksOf = access.ownWorksOf;
      withheld = access.withheld;
      supportAccessId = access.supportAccessId;
    }
    if (operator) {
      const access = await accessOf.load(operator);
      if (access.status === 'session-ended') throw unauthenticatedRequest('Your session has ended; sign in again');
      if (access.status === 'not-a-member') throw unauthenticatedRequest('You no longer hold a platform role; sign in again');
      permissions = access.permissions;
    }
    const scope = { publisherId: principal?.publisherId ?? null, userId: principal?.userId ?? operator?.userId ?? null };
    const reads = deps.db.readSession(scope);
    whenDone(() => void reads.end());
    const context: RequestContext = {
      requestId,
      principal,
      operator,
      permissions,
      ownWorksOf,
      withheld,
      supportAccessId,
      read: (work) => reads.run(work),
      inScope: async (work) => {
        await reads.release();
        return deps.db.withScope(scope, work);
      },
      act: async (work, options) => {
        const actor = actorOf(context);
        await reads.release();
        return deps.db.withScope(scope, (tx) => work(tx, actor), options);
      },
      operate: async (work) => {
        const acting = operatorOf(context);
        await reads.release();
        return deps.db.withScope({ userId: acting.userId }, (tx) => work(tx, acting));
      },
      client: { ip, userAgent: requestHeader(req, 'user-agent') },
      forgetAccess: () => {
        const caller = principal ?? operator;
        if (caller) accessOf.forget(caller);
      },
      log: deps.log,
    };
    return context;
  };
  return async (req: http.IncomingMessage, whenDone: (release: () => void) => void): Promise<RequestContext> => {
    try {
      return await build(req, whenDone);
    } catch (error) {
      // The access check could not reach the database: the whole request is refused with 503
      // and when to retry (Apollo would answer a failed context with a bare 500).
      if (error instanceof ServiceUnavailable) throw serviceUnavailableRequest(error.message, error.retryAfterSeconds);
      throw error;
    }
  };
}

/** Requests queue per publisher; an operator's, who is in none, per person. */
function laneOf(token: Principal | null, operator: PlatformPrincipal | null, ip: string | null): string {
  if (token) return `publisher:${token.publisherId}`;
  return operator ? `platform:${operator.userId}` : `anonymous:${ip ?? 'unknown'}`;
}

/**
 * Legacy clients send the tenant they act in beside their token. It may only pick another
 * publisher the user belongs to, for this request; membership is checked like any token's.
 */
export const LEGACY_TENANT_HEADER = 'x-tenant-id';

function actingInLegacyTenant(principal: Principal, tenant: string): Principal {
  assertLegacyTenantHeader(tenant);
  return { ...principal, publisherId: tenant.toLowerCase() };
}

/** A partner key acts in exactly one publisher: with the header it is refused (HTTP 403), at the gateway too. */
export function partnerWithTenantHeader() {
  return forbiddenRequest(`A partner key acts in its own publisher only; send no ${LEGACY_TENANT_HEADER}`);
}

/** What a partner key is told for what only a signed-in person may do. */
export const PERSON_ONLY = 'This needs a signed-in person; a partner key cannot do it';

/** Refuses (HTTP 403) a header that cannot name a publisher; the gateway checks it too. */
export function assertLegacyTenantHeader(tenant: string): void {
  if (!isUuid(tenant)) throw forbiddenRequest(`${LEGACY_TENANT_HEADER} must be the id of a publisher you are a member of`);
}

/** Shared with the gateway, which checks tokens before planning anything. */
export async function authenticate(verifier: AccessTokenVerifier, authorization: string | null): Promise<TokenPrincipal | null> {
  try {
    const token = bearerToken(authorization);
    return token ? await verifier.verify(token) : null;
  } catch (error) {
    if (error instanceof InvalidTokenError) throw unauthenticatedRequest(error.message);
    throw error;
  }
}

/** A partner key's caller, without what only the gateway needs (its list mode). */
function partnerPrincipal(caller: PartnerCaller): Principal {
  return { userId: caller.userId, publisherId: caller.publisherId, partnerClientId: caller.partnerClientId };
}

/**
 * The signed-in person, for what only a person does with their own session (signing out,
 * switching publisher, changing their password), in a publisher or on the platform; a partner
 * key is refused.
 */
export function requireSession(ctx: RequestContext): TokenPrincipal {
  if (ctx.operator) return ctx.operator;
  const principal = requirePrincipal(ctx);
  if (principal.sessionId === undefined) throw forbidden(PERSON_ONLY);
  return principal;
}

/**
 * The signed-in caller, for services behind rules that already refuse anonymous callers; the
 * check keeps that assumption explicit rather than asserted.
 */
export function requirePrincipal(ctx: RequestContext): Principal {
  if (!ctx.principal) throw unauthenticated();
  return ctx.principal;
}

/** A platform operator as services see them; behind rules that already require a platform permission. */
export function operatorOf(ctx: RequestContext): Operator {
  if (!ctx.operator) throw forbidden(PLATFORM_ONLY);
  const { userId, sessionId } = ctx.operator;
  return { userId, sessionId, permissions: ctx.permissions, request: { id: ctx.requestId, clientIp: ctx.client.ip } };
}

/** What a publisher's member is told for what only a platform operator may do. */
export const PLATFORM_ONLY = 'This is for platform operators, in a session without a publisher (sign in with publisher "platform")';

/** What an operator is told for what only happens inside a publisher. */
export const PUBLISHER_ONLY = 'A platform session is in no publisher: this needs a membership (or granted support access) in one';

/** The caller as services see them: who, in which publisher, holding what. */
export function actorOf(ctx: RequestContext): Actor {
  return {
    ...requirePrincipal(ctx),
    permissions: ctx.permissions,
    ownWorksOf: ctx.ownWorksOf,
    ...(ctx.supportAccessId ? { supportAccessId: ctx.supportAccessId } : {}),
    request: { id: ctx.requestId, clientIp: ctx.client.ip },
  };
}
