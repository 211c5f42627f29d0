import { AccessTokenVerifier, fileKeyRing, keyRingFromConfiguration, type KeyRing } from '@platform/auth';
import { LogMailer, type Mailer } from '@platform/mail';
import { ConfigurationError, createLogger, type ServiceConfig } from '@platform/service';
import { startSubgraphService } from '@platform/subgraph';
import { identitySubgraph } from './index';
import { LoginGuard } from './sign-in/login-guard';

export interface IdentityOptions {
  env?: NodeJS.ProcessEnv;
  /** Where mail goes; by default the log. */
  mailer?: Mailer;
}

export function startIdentity(config: ServiceConfig, port: number, options: IdentityOptions = {}) {
  const env = options.env ?? process.env;
  const log = createLogger('identity');
  return startSubgraphService(config, port, log, async (db) => {
    const keys = await keyRing(config, env);
    const loginGuard = LoginGuard.open(config.databaseUrl!);
    const definition = identitySubgraph({
      db,
      keys,
      tokenSettings: config.tokens,
      loginGuard,
      mailer: options.mailer ?? new LogMailer(log),
      passwordResetUrl: env.PASSWORD_RESET_URL ?? 'http://localhost:3000/reset-password',
    });
    // Identity holds the keys, so it verifies with them instead of fetching its own JWKS.
    return { definition, verifier: AccessTokenVerifier.fromKeyRing(keys, config.tokens), close: () => loginGuard.close() };
  });
}

async function keyRing(config: ServiceConfig, env: NodeJS.ProcessEnv): Promise<KeyRing> {
  if (env.AUTH_SIGNING_KEY) return keyRingFromConfiguration(env.AUTH_SIGNING_KEY, env.AUTH_PREVIOUS_KEYS);
  if (config.production) throw new ConfigurationError('AUTH_SIGNING_KEY must be set when NODE_ENV=production');
  return fileKeyRing(config.dataDir);
}
