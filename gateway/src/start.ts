import pg from 'pg';
import { AccessTokenVerifier } from '@platform/auth';
import { SecurityEvents } from '@platform/events';
import { ServiceMetrics } from '@platform/metrics';
import { ConfigurationError, createLogger, type ServiceConfig } from '@platform/service';
import { PostgresApqStore } from './apq-store';
import { startGateway } from './gateway';
import { PartnerCalls } from './partner-calls';
import { ApiQuota } from './api-quota';
import { ApiUsage } from './api-usage';
import { RequestRates } from './request-rates';
import type { SubgraphName } from './supergraph';

/**
 * The gateway's database holds what every instance must share: the rate limits' counts, the
 * automatic persisted queries, the partner keys and lists it checks, and the partner calls it
 * counts. In development it may run without one (each instance then counts and caches alone,
 * and the partner API is off); in production it must have one.
 */
export async function startGatewayService(
  config: ServiceConfig,
  port: number,
  subgraphUrls: Partial<Record<SubgraphName, string>> = config.subgraphUrls,
) {
  const log = createLogger('gateway');
  if (!config.databaseUrl) {
    if (config.production)
      throw new ConfigurationError('DATABASE_URL must be set: the gateway keeps its rate limits there, shared by every instance');
    log.warn('DATABASE_URL is not set: rate limits and persisted queries are kept by this gateway instance alone; the partner API is off');
  }
  const pool = config.databaseUrl ? new pg.Pool({ connectionString: config.databaseUrl, max: 6 }) : null;
  // An idle connection that drops must not take the gateway down; the limiter's insurance
  // counts in memory until the database answers again.
  pool?.on('error', (error) => log.warn({ err: error }, 'gateway database connection failed'));
  const rates = new RequestRates(config.rateLimits, pool);
  const metrics = new ServiceMetrics('gateway');
  const monitored = pool && config.monitoring ? pool : null;
  const usage = monitored ? new ApiUsage(monitored, log, config.monitoringFlushMs) : null;
  const securityEvents = monitored
    ? new SecurityEvents({
        query: async (sql, values) => (await monitored.query(sql, values)).rows,
        counters: metrics.securityEventCounters(),
        log,
        flushMs: config.monitoringFlushMs,
      })
    : null;
  const apq = pool ? new PostgresApqStore(pool) : null;
  const stopPruning = apq?.prunePeriodically(log);
  const release = async () => {
    stopPruning?.();
    await usage?.close();
    await securityEvents?.close();
    await pool?.end();
  };
  try {
    const server = await startGateway({
      port,
      host: config.host,
      subgraphUrls,
      subgraphTimeoutMs: config.subgraphTimeoutMs,
      verifier: AccessTokenVerifier.fromJwksUrl(config.jwksUrl, config.tokens),
      log,
      production: config.production,
      corsOrigins: config.corsOrigins,
      trustedProxies: config.trustedProxies,
      rates,
      partners: new PartnerCalls(pool, rates, usage, log, securityEvents, pool ? new ApiQuota(pool) : null),
      apq,
      warmUp: pool ? () => registeredOperations(pool) : null,
      metrics,
      metricsToken: config.metricsToken,
      securityEvents,
      usage,
      monitoring: config.monitoring,
    });
    return {
      ...server,
      close: async () => {
        await server.close();
        await release();
      },
    };
  } catch (error) {
    await release();
    throw error;
  }
}

async function registeredOperations(pool: pg.Pool): Promise<{ name: string; body: string }[]> {
  const { rows } = await pool.query<{ name: string; body: string }>('SELECT name, body FROM app_persisted_queries_in_force()');
  return rows;
}
