import { readServiceConfig, type ServiceConfig } from '@platform/service';

/**
 * A service configuration for specs and benches: the defaults every service reads from an empty
 * environment (the same issuer, audience and trusted proxies), a small pool, and limits on load
 * far above what any spec sends, so that only the specs of those limits (which set their own)
 * ever meet them.
 */
export function serviceConfigForTests(
  settings: { databaseUrl: string; dataDir: string; jwksUrl?: string } & Partial<ServiceConfig>,
): ServiceConfig {
  const defaults = readServiceConfig({ NODE_ENV: 'test', DB_POOL_SIZE: '5', DATA_DIR: settings.dataDir }, settings.dataDir);
  const dbPoolSize = settings.dbPoolSize ?? defaults.dbPoolSize;
  return {
    ...defaults,
    dbPoolSize,
    jwksUrl: '',
    rateLimits: { windowSeconds: 1, perUser: 100_000, perPublisher: 100_000, perAnonymousAddress: 100_000, perPartnerKey: 100_000 },
    lanes: { concurrency: dbPoolSize, queue: 10_000, waitMs: 60_000 },
    // Security events and usage are written within a tenth of a second: specs wait for them.
    monitoringFlushMs: 100,
    // A stopped directory is noticed within a second and retried two seconds later; syncs run
    // when a spec asks, never on a timer.
    directory: { ...defaults.directory, timeoutMs: 1_000, breakerOpenSeconds: 2, syncPollSeconds: 0 },
    // Events wait in the outbox unless a spec runs a relay against its own fauxqs.
    events: { ...defaults.events, relay: false },
    ...settings,
  };
}
