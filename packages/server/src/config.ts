import path from 'node:path';
import type { TokenSettings } from '@platform/auth';
import { trustedProxiesFrom } from './client-address';

/** What every service reads from the environment. README "Configuration" lists each variable. */
export interface ServiceConfig {
  production: boolean;
  host: string;
  /** The gateway has no database; subgraphs refuse to start without one. */
  databaseUrl: string | undefined;
  dbPoolSize: number;
  jwksUrl: string;
  tokens: TokenSettings;
  dataDir: string;
  trustedProxies: ReadonlySet<string> | 'all';
}

export class ConfigurationError extends Error {}

export function readServiceConfig(env: NodeJS.ProcessEnv, root: string): ServiceConfig {
  const production = env.NODE_ENV === 'production';
  const required = (name: string, developmentDefault: string): string => {
    const value = env[name];
    if (value) return value;
    if (production) throw new ConfigurationError(`${name} must be set when NODE_ENV=production`);
    return developmentDefault;
  };
  return {
    production,
    host: env.HOST ?? '127.0.0.1',
    databaseUrl: env.DATABASE_URL,
    dbPoolSize: Number(env.DB_POOL_SIZE ?? 10),
    jwksUrl: required('AUTH_JWKS_URL', `http://127.0.0.1:${env.IDENTITY_PORT ?? 4001}/.well-known/jwks.json`),
    tokens: { issuer: env.AUTH_ISSUER ?? 'publishing-platform', audience: env.AUTH_AUDIENCE ?? 'publishing-api' },
    dataDir: env.DATA_DIR ?? path.join(root, '.data'),
    trustedProxies: trustedProxiesFrom(env),
  };
}

export function portOf(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const port = Number(env[name] ?? fallback);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigurationError(`${name} must be a port number`);
  return port;
}
