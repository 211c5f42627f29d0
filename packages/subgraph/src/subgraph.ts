import type http from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import { parse } from 'graphql';
import { AccessTokenVerifier } from '@platform/auth';
import { createPrismaClient, ScopedDatabase } from '@platform/db';
import { createContextBuilder, protect, PublisherLanes, type IRules, type RequestContext } from '@platform/access';
import { createErrorFormatter, inputGuardPlugin } from '@platform/graphql-edge';
import { serveGraphQL, type PostRoute, type Route, type RouteResponse, type RunningHttpServer } from '@platform/http';
import { NotFound } from '@platform/errors';
import { SecurityEvents } from '@platform/events';
import { ServiceMetrics } from '@platform/metrics';
import { ConfigurationError, type Logger, type ServiceConfig } from '@platform/service';

export interface SubgraphDefinition<TContext extends RequestContext> {
  name: string;
  typeDefs: string;
  // The generated resolver types are stricter than @apollo/subgraph's map; each subgraph checks
  // its resolvers against its own generated Resolvers type.
  resolvers: unknown;
  rules: IRules;
  /** Adds the subgraph's own per-request pieces (DataLoaders) to the shared context. */
  extendContext?: (base: RequestContext) => TContext;
  routes?: Record<string, Route>;
  postRoutes?: Record<string, PostRoute>;
  /** GET routes for a signed-in caller, who is checked exactly as for /graphql (an export). */
  authenticatedRoutes?: Record<string, AuthenticatedRoute<TContext>>;
}

export type AuthenticatedRoute<TContext extends RequestContext> = (request: http.IncomingMessage, ctx: TContext) => Promise<RouteResponse>;

export interface SubgraphRuntime {
  port: number;
  metrics: ServiceMetrics;
  /** What /metrics asks of its scraper; null: open. */
  metricsToken: string | null;
  host?: string;
  db: ScopedDatabase;
  verifier: AccessTokenVerifier;
  log: Logger;
  production: boolean;
  trustedProxies: ReadonlySet<string> | 'all';
  lanes: PublisherLanes;
  securityEvents: SecurityEvents;
  /** Request metrics and probe reports (off only for a bench). */
  monitoring: boolean;
}

export async function startSubgraph<TContext extends RequestContext>(
  definition: SubgraphDefinition<TContext>,
  runtime: SubgraphRuntime,
): Promise<RunningHttpServer> {
  const schema = protect(
    buildSubgraphSchema([{ typeDefs: parse(definition.typeDefs), resolvers: definition.resolvers as GraphQLResolverMap<unknown> }]),
    definition.rules,
  );
  const apollo = new ApolloServer<TContext>({
    schema,
    introspection: !runtime.production,
    includeStacktraceInErrorResponses: false,
    // runServiceProcess stops the service on a signal, in order; Apollo's own handler would race it.
    stopOnTerminationSignals: false,
    formatError: createErrorFormatter(runtime.log),
    // No Apollo Studio here: inline traces would only cost time on every request.
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      inputGuardPlugin(),
      ...(runtime.monitoring ? [runtime.metrics.plugin(), probeReportingPlugin(runtime.securityEvents)] : []),
    ],
  });
  const accessLookups = runtime.metrics.counter(
    'access_cache_lookups_total',
    "Access checks, by whether this instance's 500 ms cache answered (hit) or the database did (miss)",
    ['result'],
  );
  const buildContext = createContextBuilder({ ...runtime, onAccessLookup: (hit) => accessLookups.inc({ result: hit ? 'hit' : 'miss' }) });
  runtime.metrics.gauge(
    'db_pool_connections',
    "The database pool's connections: open, idle, waiting for one, and the most it opens",
    ['state'],
    (gauge) => {
      const usage = runtime.db.poolUsage();
      if (!usage) return;
      for (const [state, value] of Object.entries(usage)) gauge.set({ state }, value);
    },
  );
  const extend = definition.extendContext ?? ((base: RequestContext) => base as TContext);
  const authenticated = Object.fromEntries(
    Object.entries(definition.authenticatedRoutes ?? {}).map(([path, route]) => [
      path,
      (request: http.IncomingMessage) => withCallerOf(request, (req, whenDone) => buildContext(req, whenDone).then(extend), route),
    ]),
  );
  return serveGraphQL({
    apollo,
    port: runtime.port,
    ...(runtime.host ? { host: runtime.host } : {}),
    log: runtime.log,
    context: async (req, whenDone) => extend(await buildContext(req, whenDone)),
    routes: {
      '/health': () => healthOf(definition.name, runtime.db),
      '/metrics': runtime.metrics.route(runtime.metricsToken),
      ...definition.routes,
      ...authenticated,
    },
    ...(definition.postRoutes ? { postRoutes: definition.postRoutes } : {}),
  });
}

/**
 * Builds the caller's context as /graphql does (token, access, its publisher's lane), then runs
 * the route. The lane's turn is given back once the context is built: a long export then holds
 * one database connection at a time, outside the lane. A refusal answers as GraphQL's would.
 */
async function withCallerOf<TContext extends RequestContext>(
  request: http.IncomingMessage,
  build: (request: http.IncomingMessage, whenDone: (release: () => void) => void) => Promise<TContext>,
  route: AuthenticatedRoute<TContext>,
): Promise<RouteResponse> {
  const releases: (() => void)[] = [];
  let ctx: TContext;
  try {
    ctx = await build(request, (release) => releases.push(release));
  } catch (error) {
    const refusal = error as { message?: string; extensions?: { code?: string; http?: { status?: number } } };
    const status = refusal.extensions?.http?.status;
    if (!status) throw error;
    return { status, body: { errors: [{ message: refusal.message, extensions: { code: refusal.extensions?.code } }] } };
  } finally {
    for (const release of releases) release();
  }
  return route(request, ctx);
}

async function healthOf(service: string, db: ScopedDatabase) {
  try {
    await db.ping();
    return { status: 200, body: { status: 'ok', service } };
  } catch {
    return { status: 503, body: { status: 'unavailable', service, reason: 'database unreachable' } };
  }
}

export interface SubgraphService<TContext extends RequestContext> {
  definition: SubgraphDefinition<TContext>;
  /** Defaults to the JWKS at config.jwksUrl. */
  verifier?: AccessTokenVerifier;
  /** Releases what the definition holds besides the database pool. */
  close?: () => Promise<void>;
}

/** What a service's definition is built with: its database, its metrics, its security events. */
export interface SubgraphServiceParts {
  db: ScopedDatabase;
  metrics: ServiceMetrics;
  securityEvents: SecurityEvents;
}

/**
 * Starts a subgraph as a service: opens its database pool, builds its definition, serves it, and
 * closes the pool when the server closes.
 */
export async function startSubgraphService<TContext extends RequestContext>(
  config: ServiceConfig,
  port: number,
  log: Logger,
  define: (parts: SubgraphServiceParts) => Promise<SubgraphService<TContext>> | SubgraphService<TContext>,
  options: { onQuery?: (sql: string) => void } = {},
): Promise<RunningHttpServer> {
  if (!config.databaseUrl) {
    throw new ConfigurationError('DATABASE_URL must be set (pnpm start sets it for the services it starts)');
  }
  const db = new ScopedDatabase(createPrismaClient(config.databaseUrl, { poolSize: config.dbPoolSize, ...options }));
  const metrics = new ServiceMetrics(log.bindings().name ?? 'subgraph');
  const securityEvents = new SecurityEvents({
    query: (sql, values) => db.withScope({}, (tx) => tx.$queryRawUnsafe(sql, ...values)),
    counters: metrics.securityEventCounters(),
    log,
    flushMs: config.monitoringFlushMs,
  });
  try {
    const { definition, verifier, close } = await define({ db, metrics, securityEvents });
    const server = await startSubgraph(definition, {
      port,
      metrics,
      metricsToken: config.metricsToken,
      host: config.host,
      db,
      verifier: verifier ?? AccessTokenVerifier.fromJwksUrl(config.jwksUrl, config.tokens),
      log,
      production: config.production,
      trustedProxies: config.trustedProxies,
      lanes: new PublisherLanes(config.lanes),
      securityEvents,
      monitoring: config.monitoring,
    });
    return {
      ...server,
      close: async () => {
        await server.close();
        await close?.();
        await securityEvents.close();
        await db.disconnect();
      },
    };
  } catch (error) {
    await securityEvents.close();
    await db.disconnect();
    throw error;
  }
}

/**
 * NOT_FOUND for an id of a resolver's arguments may be a probe of another publisher's data. It is
 * reported with the id; whether the id exists elsewhere is decided when the event is written, off
 * the request path, so the answer's timing tells the caller nothing.
 */
function probeReportingPlugin(events: SecurityEvents): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ contextValue, errors }) {
          const principal = contextValue.principal;
          if (!principal) return;
          for (const error of errors) {
            const probedId = error.originalError instanceof NotFound ? error.originalError.id : undefined;
            if (!probedId) continue;
            events.report({
              kind: 'probe.cross_publisher',
              publisherId: principal.publisherId,
              userId: principal.userId,
              partnerClientId: principal.partnerClientId ?? null,
              client: contextValue.client,
              requestId: contextValue.requestId,
              probedId,
              data: { path: error.path?.join('.') ?? '' },
            });
          }
        },
      };
    },
  };
}
