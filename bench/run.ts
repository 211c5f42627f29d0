// pnpm bench [name …]: each measurement as a ratio against a baseline run in the same process
// (or, for runtimes, the same interleaved rounds) on the same data. Bounded in iterations; talks
// only to 127.0.0.1. Names: rls, gateway, shield, tokens, login, runtime, fairness, directory,
// partners, audit, monitoring, offboarding, events, catalog, catalog-path, migration, soak,
// gateway-peers (default: all).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createDemoDatabase, startPlatform, startTestCluster, type RunningPlatform } from '@platform/testing';
import { auditChainCost } from './audit';
import { catalogCost } from './catalog';
import { catalogPathCost } from './catalog-path';
import { directorySyncCost } from './directory-sync';
import { eventRelayCost } from './events';
import { noisyNeighbour } from './fairness';
import { partnerCallCost } from './partners';
import { gatewayCost } from './gateway';
import { gatewayPeers } from './gateway-peers';
import { legacyMigrationCost } from './legacy-migration';
import { loginLatency } from './login';
import { monitoringCost } from './monitoring';
import { offboardingCost } from './offboarding';
import { rlsContextCost } from './rls-context';
import { runtimeComparison } from './runtime';
import { shieldCost } from './shield';
import { soak } from './soak';
import { tokenVerificationCost } from './tokens';

interface BenchSetting {
  clusterAdminUrl: string;
  apiUrl: string;
  adminUrl: string;
  dataDir: string;
  platform: () => Promise<RunningPlatform>;
}

const BENCHES: Record<string, (setting: BenchSetting) => Promise<void>> = {
  rls: ({ apiUrl }) => rlsContextCost(apiUrl),
  gateway: async ({ platform }) => gatewayCost(await platform()),
  shield: async ({ apiUrl, platform }) => shieldCost(apiUrl, await platform()),
  tokens: async ({ apiUrl, platform }) => tokenVerificationCost(apiUrl, await platform()),
  login: async ({ platform }) => loginLatency(await platform()),
  runtime: ({ apiUrl, dataDir }) => runtimeComparison(apiUrl, path.join(dataDir, 'runtimes')),
  fairness: ({ apiUrl, dataDir }) => noisyNeighbour(apiUrl, path.join(dataDir, 'fairness')),
  directory: async ({ apiUrl, adminUrl, dataDir, platform }) => directorySyncCost({ apiUrl, adminUrl }, await platform(), dataDir),
  partners: async ({ apiUrl, dataDir, platform }) => partnerCallCost(await platform(), apiUrl, dataDir),
  audit: async ({ adminUrl, platform }) => auditChainCost(await platform(), adminUrl),
  monitoring: ({ apiUrl, adminUrl, dataDir }) => monitoringCost(apiUrl, adminUrl, dataDir),
  offboarding: ({ apiUrl, adminUrl }) => offboardingCost(apiUrl, adminUrl),
  events: ({ apiUrl, adminUrl }) => eventRelayCost(apiUrl, adminUrl),
  catalog: ({ apiUrl, adminUrl }) => catalogCost(apiUrl, adminUrl),
  'catalog-path': ({ apiUrl, adminUrl, dataDir }) => catalogPathCost(apiUrl, adminUrl, path.join(dataDir, 'catalog-path')),
  migration: ({ clusterAdminUrl }) => legacyMigrationCost(clusterAdminUrl),
  soak: ({ apiUrl, dataDir }) => soak(apiUrl, path.join(dataDir, 'soak')),
  'gateway-peers': async ({ dataDir, platform }) => gatewayPeers(await platform(), path.join(dataDir, 'gateway-peers')),
};

const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !(name in BENCHES));
if (unknown.length) {
  console.error(`unknown bench ${unknown.join(', ')}; choose from ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}

// The services' request logs would drown the tables.
process.env.LOG_LEVEL ??= 'warn';

// BENCH_PROFILE=1: PostgreSQL counts every statement (pg_stat_statements) for the profiles.
const cluster = await startTestCluster(
  process.env.BENCH_PROFILE === '1'
    ? { postgresFlags: ['-c', 'shared_preload_libraries=pg_stat_statements', '-c', 'pg_stat_statements.track=all'] }
    : {},
);
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'platform-bench-'));
let running: RunningPlatform | undefined;
try {
  const urls = await createDemoDatabase(cluster.adminUrl, 'bench');
  console.log(`node ${process.version}, ${os.cpus().length} cores, PostgreSQL (embedded) on 127.0.0.1:${cluster.port}`);
  const setting: BenchSetting = {
    clusterAdminUrl: cluster.adminUrl,
    apiUrl: urls.apiUrl,
    adminUrl: urls.adminUrl,
    dataDir,
    platform: async () => (running ??= await startPlatform({ apiUrl: urls.apiUrl, dataDir })),
  };
  for (const name of chosen.length ? chosen : Object.keys(BENCHES)) await BENCHES[name]!(setting);
} finally {
  await running?.stop();
  await cluster.stop();
  await rm(dataDir, { recursive: true, force: true });
}
