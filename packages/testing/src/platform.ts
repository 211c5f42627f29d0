import { startGatewayService } from '@platform/gateway';
import { startCatalog } from '@platform/catalog/start';
import type { Mailer } from '@platform/mail';
import { startIdentity } from '@platform/identity/start';
import { startPublishers } from '@platform/publishers/start';
import type { ServiceConfig } from '@platform/service';
import { serviceConfigForTests } from './service-config';

export interface RunningPlatform {
  gatewayUrl: string;
  identityUrl: string;
  publishersUrl: string;
  catalogUrl: string;
  stop(): Promise<void>;
}

export interface PlatformOptions {
  apiUrl: string;
  dataDir: string;
  mailer?: Mailer;
  /** Settings that differ from serviceConfigForTests (a spec of the limits on load sets its own). */
  config?: Partial<ServiceConfig>;
}

/**
 * The whole platform in this process, each service on its own free port, talking HTTP to each
 * other exactly as separate processes do.
 */
export async function startPlatform(options: PlatformOptions): Promise<RunningPlatform> {
  const config = serviceConfigForTests({ databaseUrl: options.apiUrl, dataDir: options.dataDir, ...options.config });
  const identity = await startIdentity(config, 0, options.mailer ? { mailer: options.mailer } : {});
  const withJwks = { ...config, jwksUrl: `${identity.url}/.well-known/jwks.json` };
  const mail = options.mailer ? { mailer: options.mailer } : {};
  const [publishers, catalog] = await Promise.all([startPublishers(withJwks, 0, mail), startCatalog(withJwks, 0)]);
  const gateway = await startGatewayService(withJwks, 0, {
    identity: `${identity.url}/graphql`,
    publishers: `${publishers.url}/graphql`,
    catalog: `${catalog.url}/graphql`,
  });
  return {
    gatewayUrl: `${gateway.url}/graphql`,
    identityUrl: `${identity.url}/graphql`,
    publishersUrl: `${publishers.url}/graphql`,
    catalogUrl: `${catalog.url}/graphql`,
    async stop() {
      await gateway.close();
      await Promise.all([publishers.close(), catalog.close()]);
      await identity.close();
    },
  };
}
