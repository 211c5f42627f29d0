import type { ServiceConfig } from '@platform/service';

/**
 * A service configuration for specs and benches: loopback only, a small pool, and limits on
 * load far above what any spec sends, so that only the specs of those limits (which set their
 * own) ever meet them.
 */
export function serviceConfigForTests(
  settings: { databaseUrl: string; dataDir: string; jwksUrl?: string } & Partial<ServiceConfig>,
): ServiceConfig {
  const dbPoolSize = settings.dbPoolSize ?? 5;
  return {
    production: false,
    host: '127.0.0.1',
    dbPoolSize,
    jwksUrl: '',
    tokens: { issuer: 'publishing-platform', audience: 'publishing-api' },
    trustedProxies: new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']),
    rateLimits: { windowSeconds: 1, perUser: 100_000, perPublisher: 100_000, perAnonymousAddress: 100_000 },
    lanes: { concurrency: dbPoolSize, queue: 10_000, waitMs: 60_000 },
    ...settings,
  };
}
