import { AccessTokenVerifier, fileKeyRing, keyRingFromConfiguration, type KeyRing } from '@platform/auth';
import { LogMailer, type Mailer } from '@platform/mail';
import { ConfigurationError, createLogger, type ServiceConfig } from '@platform/service';
import { startSubgraphService } from '@platform/subgraph';
import { directoryRuntime } from './directory/runtime';
import { DirectorySyncScheduler } from './directory/sync-scheduler';
import { identitySubgraph } from './index';
import { LoginGuard } from './sign-in/login-guard';

export interface IdentityOptions {
  /** Where mail goes; by default the log. */
  mailer?: Mailer;
}

export function startIdentity(config: ServiceConfig, port: number, options: IdentityOptions = {}) {
  const log = createLogger('identity');
  return startSubgraphService(config, port, log, async ({ db, securityEvents }) => {
    const keys = await keyRing(config);
    const loginGuard = LoginGuard.open(config.databaseUrl!);
    const directories = await directoryRuntime(config);
    const scheduler = new DirectorySyncScheduler(db, directories, log);
    if (config.directory.syncPollSeconds > 0) scheduler.start(config.directory.syncPollSeconds * 1000);
    const definition = identitySubgraph({
      db,
      keys,
      tokenSettings: config.tokens,
      loginGuard,
      mailer: options.mailer ?? new LogMailer(log),
      passwordResetUrl: config.links.passwordReset,
      directories,
      securityEvents,
    });
    // Identity holds the keys, so it verifies with them instead of fetching its own JWKS.
    return {
      definition,
      verifier: AccessTokenVerifier.fromKeyRing(keys, config.tokens),
      close: async () => {
        await scheduler.stop();
        await Promise.all([loginGuard.close(), directories.close()]);
      },
    };
  });
}

async function keyRing(config: ServiceConfig): Promise<KeyRing> {
  if (config.signingKey) return keyRingFromConfiguration(config.signingKey.current, config.signingKey.previous);
  if (config.production) throw new ConfigurationError('AUTH_SIGNING_KEY must be set when NODE_ENV=production');
  return fileKeyRing(config.dataDir);
}
