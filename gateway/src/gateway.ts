import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { ApolloServerPlugin } from '@apollo/server';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { isPlatformPrincipal, type AccessTokenVerifier, type Principal } from '@platform/auth';
import type { SecurityEvents } from '@platform/events';
import { GraphQLError } from 'graphql';
import { assertLegacyTenantHeader, authenticate, LEGACY_TENANT_HEADER, partnerWithTenantHeader } from '@platform/access';
import { createErrorFormatter, inputGuardPlugin, rateLimitedResponse } from '@platform/graphql-edge';
import { clientAddress, requestHeader, requestIdOf, serveGraphQL, type RunningHttpServer } from '@platform/http';
import { recordedOperationName, type ServiceMetrics } from '@platform/metrics';
import { type Logger } from '@platform/service';
import { injectTraceContext } from '@platform/tracing';
import { corsPolicy } from './cors-policy';
import { graphiqlPage, sandboxLandingPage } from './developer-pages';
import type { ApiUsage } from './api-usage';
import type { PartnerCalls, PartnerRequest } from './partner-calls';
import { standInVariables } from './plan-warm-up';
import type { RequestRates } from './request-rates';
import { composedUrlOf, readSupergraph, type SubgraphName } from './supergraph';
import { publishersRoutes } from './relayed-routes';
import { SubgraphCalls, unreachableReason } from './subgraph-calls';
import { unavailableErrors } from './unreachable-subgraph';

interface GatewayContext {
  authorization: string | null;
  /**
   * Who the token stands for in which publisher, once verified here; null without a token and for
   * a platform operator's session (in no publisher: nothing of theirs is counted in one).
   */
  principal: Principal | null;
  requestId: string;
  /** The deprecated X-Tenant-ID header, passed on for the subgraphs to check. */
  legacyTenant: string | null;
  /** The caller's address, passed on so that identity throttles the caller, not the gateway. */
  clientIp: string | null;
  /** Set for a partner key's call: its client, its operation, when it began. */
  partner?: PartnerRequest;
  /** A plan warm-up: plan the operation, call no subgraph. */
  planOnly?: boolean;
}

export interface GatewayOptions {
  port: number;
  host?: string;
  /** Where each subgraph answers; overrides the URLs composed into the supergraph. */
  subgraphUrls: Partial<Record<SubgraphName, string>>;
  /** How long a subgraph call may take before its fields fail with SERVICE_UNAVAILABLE. */
  subgraphTimeoutMs: number;
  verifier: AccessTokenVerifier;
  log: Logger;
  production: boolean;
  /** Browser origins allowed to call (CORS_ORIGINS); in development Apollo Sandbox's too. */
  corsOrigins: readonly string[];
  /** Peers whose X-Forwarded-For names the client (a load balancer in front). */
  trustedProxies: ReadonlySet<string> | 'all';
  rates: RequestRates;
  partners: PartnerCalls;
  /** The automatic persisted queries' store shared by every instance; null: this instance's memory. */
  apq: KeyValueCache<string> | null;
  /** The registered partner operations, whose query plans are made before the first call. */
  warmUp: (() => Promise<{ name: string; body: string }[]>) | null;
  metrics: ServiceMetrics;
  /** What /metrics asks of its scraper; null: open. */
  metricsToken: string | null;
  /** Where denied operations and legacy-header use are reported; null without a database. */
  securityEvents: SecurityEvents | null;
  /** Where every call is counted for usage analytics; null without a database. */
  usage: ApiUsage | null;
  /** Request metrics (off only for a bench). */
  monitoring: boolean;
}

/** Each subgraph call of a plan, timed and counted by subgraph and outcome. */
type SubgraphCallObserver = (subgraph: string, seconds: number, outcome: 'success' | 'error') => void;

/** Tokens are forwarded as they came: every subgraph verifies them again itself. */
class ForwardingDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    config: ConstructorParameters<typeof RemoteGraphQLDataSource<GatewayContext>>[0],
    private readonly subgraph: string,
    private readonly observe: SubgraphCallObserver,
    private readonly log: Logger,
  ) {
    super(config);
  }

  override willSendRequest({ request, context }: Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['willSendRequest']>>[0]) {
    if (context.authorization) request.http?.headers.set('authorization', context.authorization);
    if (context.requestId) request.http?.headers.set('x-request-id', context.requestId);
    if (context.legacyTenant) request.http?.headers.set(LEGACY_TENANT_HEADER, context.legacyTenant);
    if (context.clientIp) request.http?.headers.set('x-forwarded-for', context.clientIp);
    // The subgraph's spans join this fetch's trace.
    if (request.http) injectTraceContext(request.http.headers);
  }

  /** A warm-up plans only: nothing is sent, and an empty answer is as good as any. */
  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>) {
    if ('context' in options && options.context.planOnly) return {};
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const response = await super.process(options);
      this.observe(this.subgraph, seconds(), response.errors?.length ? 'error' : 'success');
      return response;
    } catch (error) {
      this.observe(this.subgraph, seconds(), 'error');
      const reason = unreachableReason(error);
      if (!reason) throw error;
      // Killed, restarting or silent: this subgraph's fields fail, every other subgraph's stay.
      this.log.warn(
        { event: 'gateway.subgraph_unavailable', subgraph: this.subgraph, reason, ms: Math.round(seconds() * 1000), err: error },
        `subgraph ${this.subgraph} did not answer (${reason})`,
      );
      const isEntityFetch = 'representations' in (options.request.variables ?? {});
      return { errors: unavailableErrors(options.request.query, isEntityFetch) };
    }
  }

  /**
   * A subgraph that refuses a whole request (a session revoked since the token was issued, a
   * publisher the caller is not a member of, too many requests, its database away) answers
   * 401/403/429/503 with its
   * reason as a GraphQL error. That reason and status go to the client; the subgraph's URL and
   * raw body (which the default puts in `extensions.response`) never do. Any other failure is
   * internal and is masked by the error formatter.
   */
  override async errorFromResponse(
    response: Parameters<RemoteGraphQLDataSource<GatewayContext>['errorFromResponse']>[0],
  ): Promise<GraphQLError> {
    const body = (await this.parseBody(response).catch(() => null)) as {
      errors?: { message?: unknown; extensions?: Record<string, unknown> }[];
    } | null;
    const first = Array.isArray(body?.errors) ? body.errors[0] : undefined;
    const code = first?.extensions?.code;
    if (typeof code === 'string' && PASSED_ON.has(code) && typeof first?.message === 'string') {
      const retryAfter = first.extensions?.retryAfterSeconds;
      const headers = new Map<string, string>(typeof retryAfter === 'number' ? [['retry-after', String(retryAfter)]] : []);
      return new GraphQLError(first.message, {
        extensions: {
          code,
          ...(typeof retryAfter === 'number' ? { retryAfterSeconds: retryAfter } : {}),
          http: { status: response.status, headers },
        },
      });
    }
    return new GraphQLError(`A subgraph answered HTTP ${response.status}`);
  }
}

/** Whole-request refusals a subgraph may make, passed on with their HTTP status. */
const PASSED_ON = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED', 'BAD_USER_INPUT', 'SERVICE_UNAVAILABLE']);

// Limits for abusive operations, checked before any plan is made. The deepest contract query
// (works → edges → node → writers → songwriter → name) has depth 6. Armor's cost is static (it
// does not read `first`, which the resolvers cap at 100): a full page of works with writers
// scores about 6,000, so the limit stops only operations several times wider than any client's.
const armor = new ApolloArmor({
  maxDepth: { n: 10 },
  maxAliases: { n: 15 },
  maxDirectives: { n: 20 },
  // Counted by graphql-js's own parser instead (parseOptions below): armor's token plugin parses
  // the document a second time and answers a plain syntax error with HTTP 500.
  maxTokens: { enabled: false },
  costLimit: { maxCost: 20_000 },
  blockFieldSuggestion: { enabled: true },
});

const MAX_TOKENS = 2_000;

export async function startGateway(options: GatewayOptions): Promise<RunningHttpServer> {
  const subgraphCalls = options.metrics.counter('subgraph_requests_total', 'Subgraph calls of query plans, by subgraph and outcome', [
    'subgraph',
    'outcome',
  ]);
  const subgraphLatency = options.metrics.histogram('subgraph_request_duration_seconds', 'Time of a subgraph call, by subgraph', [
    'subgraph',
  ]);
  const observe: SubgraphCallObserver = (subgraph, seconds, outcome) => {
    subgraphCalls.inc({ subgraph, outcome });
    subgraphLatency.observe({ subgraph }, seconds);
  };
  const subgraphHttp = new SubgraphCalls(options.subgraphTimeoutMs);
  const gateway = new ApolloGateway({
    supergraphSdl: readSupergraph(),
    buildService: ({ name, url }) =>
      new ForwardingDataSource(
        {
          url: options.subgraphUrls[name as SubgraphName] ?? url,
          fetcher: subgraphHttp.fetcher,
        },
        name,
        observe,
        options.log,
      ),
  });
  const protection = armor.protect();
  const apollo = new ApolloServer<GatewayContext>({
    ...protection,
    gateway,
    introspection: !options.production,
    includeStacktraceInErrorResponses: false,
    // runServiceProcess stops the gateway on a signal, in order; Apollo's own handler would race it.
    stopOnTerminationSignals: false,
    ...(options.apq ? { persistedQueries: { cache: options.apq } } : {}),
    // Too many tokens is a parse error like any other: HTTP 400, GRAPHQL_PARSE_FAILED.
    parseOptions: { maxTokens: MAX_TOKENS },
    formatError: createErrorFormatter(options.log),
    plugins: [
      ...protection.plugins,
      inputGuardPlugin(),
      ...(options.monitoring ? [options.metrics.plugin()] : []),
      ...(options.usage ? [usagePlugin(options.usage)] : []),
      ...(options.securityEvents ? [deniedOperationsPlugin(options.securityEvents)] : []),
      options.production ? ApolloServerPluginLandingPageDisabled() : sandboxLandingPage(),
    ],
  });
  // Built once: the page carries GraphiQL's whole bundle (about 9 MB) so that it needs no CDN.
  const graphiql = options.production ? null : graphiqlPage();
  const { warmUp } = options;
  const relayed = publishersRoutes(options.subgraphUrls.publishers ?? composedUrlOf('publishers'), options.log);
  const server = await serveGraphQL({
    apollo,
    // Before the port opens: no partner call arrives to an unplanned operation.
    ...(warmUp ? { beforeListening: async () => warmUpPlans(apollo, gateway, await warmUp(), options.log) } : {}),
    cors: corsPolicy(options.corsOrigins, !options.production),
    port: options.port,
    ...(options.host ? { host: options.host } : {}),
    log: options.log,
    admit: (req, body) => options.partners.admit(req, body),
    refuseEarly: async (req) => {
      const refusal = await options.rates.refusalBeforeReading(
        requestHeader(req, 'authorization'),
        clientAddress(req, options.trustedProxies),
      );
      return refusal && rateLimitedResponse(refusal.message, refusal.retryAfterSeconds);
    },
    context: async (req) => {
      const requestId = requestIdOf(req);
      const clientIp = clientAddress(req, options.trustedProxies);
      const partner = options.partners.of(req);
      if (partner) {
        // Checked and counted on admission; every subgraph checks the key again itself.
        if (requestHeader(req, LEGACY_TENANT_HEADER)) {
          options.partners.misused(partner.caller, 'tenant_header', requestId);
          throw partnerWithTenantHeader();
        }
        return { authorization: `Bearer ${partner.key}`, principal: partner.caller, requestId, legacyTenant: null, clientIp, partner };
      }
      const authorization = requestHeader(req, 'authorization');
      // Refuse forged, expired or malformed tokens here, before any subgraph is called.
      const verified = await authenticate(options.verifier, authorization);
      await options.rates.admit(verified, clientIp);
      const principal = isPlatformPrincipal(verified) ? null : verified;
      const legacyTenant = requestHeader(req, LEGACY_TENANT_HEADER);
      if (legacyTenant) assertLegacyTenantHeader(legacyTenant);
      if (legacyTenant) {
        // Counted per client so the header can be retired (README, "Legacy clients"). In the
        // token's publisher: a header naming another one must not write into that one's log.
        const client = requestHeader(req, 'apollographql-client-name') ?? requestHeader(req, 'user-agent');
        options.log.warn(
          { event: 'legacy.x-tenant-id', userId: principal?.userId ?? null, tenant: legacyTenant, client },
          'request used the deprecated X-Tenant-ID header',
        );
        options.securityEvents?.report({
          kind: 'legacy.tenant_header',
          publisherId: principal?.publisherId ?? null,
          userId: principal?.userId ?? null,
          client: { ip: clientIp, userAgent: client },
          requestId,
          data: { tenant: legacyTenant.toLowerCase() },
        });
      }
      return { authorization, principal, requestId, legacyTenant, clientIp };
    },
    postRoutes: relayed.post,
    routes: {
      ...relayed.get,
      '/health': () => ({ status: 200, body: { status: 'ok', service: 'gateway' } }),
      '/metrics': options.metrics.route(options.metricsToken),
      ...(graphiql ? { '/graphiql': () => ({ status: 200, body: graphiql, contentType: 'text/html; charset=utf-8' }) } : {}),
    },
  });
  return {
    ...server,
    close: async () => {
      await server.close();
      await subgraphHttp.close();
    },
  };
}

/**
 * Plans every registered partner operation before the first call, so that a partner's first call
 * costs what its hundredth does. An operation that cannot be planned is logged and skipped: its
 * callers will get the same error.
 */
async function warmUpPlans(
  apollo: ApolloServer<GatewayContext>,
  gateway: ApolloGateway,
  operations: { name: string; body: string }[],
  log: Logger,
): Promise<void> {
  const started = performance.now();
  let warmed = 0;
  for (const { name, body } of operations) {
    try {
      const variables = gateway.schema ? standInVariables(gateway.schema, body) : {};
      await apollo.executeOperation(
        { query: body, operationName: name, variables },
        {
          contextValue: {
            authorization: null,
            principal: null,
            requestId: 'plan-warm-up',
            legacyTenant: null,
            clientIp: null,
            planOnly: true,
          },
        },
      );
      warmed += 1;
    } catch (error) {
      log.warn({ err: error, operation: name }, 'could not warm the plan of a registered operation');
    }
  }
  log.info(
    { event: 'gateway.plans_warmed', operations: warmed, ms: Math.round(performance.now() - started) },
    `warmed ${warmed} partner operation plans`,
  );
}

/**
 * Counts every call with a caller (a person's token or a partner key) for usage analytics: its
 * publisher, caller, operation, time and whether it failed. The call's time runs from the
 * gateway receiving it (a partner's from its admission) to its answer.
 */
function usagePlugin(usage: ApiUsage): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = contextValue.partner?.startedAt ?? performance.now();
      return {
        async willSendResponse({ response, request, operationName }) {
          const { principal, partner } = contextValue;
          if (!principal || contextValue.planOnly) return;
          const failed = response.body.kind === 'single' && (response.body.singleResult.errors?.length ?? 0) > 0;
          usage.record({
            publisherId: principal.publisherId,
            partnerClientId: principal.partnerClientId ?? null,
            operation: partner?.operation ?? recordedOperationName(operationName ?? request.operationName),
            ms: performance.now() - started,
            failed,
          });
        },
      };
    },
  };
}

/**
 * Reports an operation answered with FORBIDDEN (a field, or the whole request) once, in the
 * caller's publisher: a caller trying what it may not is worth a look, whichever subgraph refused.
 */
function deniedOperationsPlugin(events: SecurityEvents): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      return {
        async willSendResponse({ response, request, operationName }) {
          const { principal } = contextValue;
          if (!principal || response.body.kind !== 'single') return;
          const denied = response.body.singleResult.errors?.filter((error) => error.extensions?.code === 'FORBIDDEN') ?? [];
          if (denied.length === 0) return;
          const reason = denied.find((error) => typeof error.extensions?.reason === 'string')?.extensions?.reason as string | undefined;
          events.report({
            kind: 'operation.denied',
            publisherId: principal.publisherId,
            userId: principal.userId,
            partnerClientId: principal.partnerClientId ?? null,
            client: { ip: contextValue.clientIp },
            requestId: contextValue.requestId,
            data: { operation: recordedOperationName(operationName ?? request.operationName), ...(reason ? { reason } : {}) },
          });
        },
      };
    },
  };
}
