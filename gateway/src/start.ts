import { AccessTokenVerifier } from '@platform/auth';
import { createLogger, type ServiceConfig } from '@platform/server';
import { startGateway } from './gateway';
import type { SubgraphName } from './supergraph';

export function startGatewayService(config: ServiceConfig, port: number, subgraphUrls: Partial<Record<SubgraphName, string>>) {
  return startGateway({
    port,
    host: config.host,
    subgraphUrls,
    verifier: AccessTokenVerifier.fromJwksUrl(config.jwksUrl, config.tokens),
    log: createLogger('gateway'),
    production: config.production,
    trustedProxies: config.trustedProxies,
  });
}

/** IDENTITY_URL, PUBLISHERS_URL and CATALOG_URL override the supergraph's default URLs. */
export function subgraphUrlsFrom(env: NodeJS.ProcessEnv): Partial<Record<SubgraphName, string>> {
  const urls: Partial<Record<SubgraphName, string>> = {};
  if (env.IDENTITY_URL) urls.identity = env.IDENTITY_URL;
  if (env.PUBLISHERS_URL) urls.publishers = env.PUBLISHERS_URL;
  if (env.CATALOG_URL) urls.catalog = env.CATALOG_URL;
  return urls;
}
