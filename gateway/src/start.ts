import { AccessTokenVerifier } from '@platform/auth';
import { ConfigurationError, createLogger, type ServiceConfig } from '@platform/service';
import { startGateway } from './gateway';
import { RequestRates } from './request-rates';
import type { SubgraphName } from './supergraph';

/**
 * The gateway's only use of the database is the rate limits' shared counts. In development it may
 * run without one (each instance then counts alone); in production the limits must be shared.
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
    log.warn('DATABASE_URL is not set: rate limits are counted by this gateway instance alone');
  }
  const rates = RequestRates.open(config.rateLimits, config.databaseUrl, log);
  try {
    const server = await startGateway({
      port,
      host: config.host,
      subgraphUrls,
      verifier: AccessTokenVerifier.fromJwksUrl(config.jwksUrl, config.tokens),
      log,
      production: config.production,
      corsOrigins: config.corsOrigins,
      trustedProxies: config.trustedProxies,
      rates,
    });
    return {
      ...server,
      close: async () => {
        await server.close();
        await rates.close();
      },
    };
  } catch (error) {
    await rates.close();
    throw error;
  }
}
