import { AccessTokenVerifier, loadOrCreateDevelopmentKey, signingKeyFromJwk, type SigningKey } from '@platform/auth';
import { ConfigurationError, createLogger, startSubgraphService, type ServiceConfig } from '@platform/server';
import { identitySubgraph } from './index';

export function startIdentity(config: ServiceConfig, port: number, env: NodeJS.ProcessEnv = process.env) {
  return startSubgraphService(config, port, createLogger('identity'), async (db) => {
    const key = await signingKey(config, env);
    // Identity signs the tokens, so it verifies them with its own key instead of fetching JWKS.
    const verifier = AccessTokenVerifier.fromJwks({ keys: [key.publicJwk] }, config.tokens);
    return { definition: identitySubgraph(db, { key, settings: config.tokens }), verifier };
  });
}

async function signingKey(config: ServiceConfig, env: NodeJS.ProcessEnv): Promise<SigningKey> {
  if (env.AUTH_SIGNING_KEY) return signingKeyFromJwk(env.AUTH_SIGNING_KEY);
  if (config.production) throw new ConfigurationError('AUTH_SIGNING_KEY must be set when NODE_ENV=production');
  return loadOrCreateDevelopmentKey(config.dataDir);
}
