// pnpm bench: each measurement as a ratio against a baseline run in the same process on the same
// data. Bounded in iterations; talks only to 127.0.0.1.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createDemoDatabase, startPlatform, startTestCluster } from '@platform/testing';
import { gatewayCost } from './gateway';
import { loginLatency } from './login';
import { rlsContextCost } from './rls-context';
import { shieldCost } from './shield';
import { tokenVerificationCost } from './tokens';

// The services' request logs would drown the tables.
process.env.LOG_LEVEL ??= 'warn';

const cluster = await startTestCluster();
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'platform-bench-'));
try {
  const urls = await createDemoDatabase(cluster.adminUrl, 'bench');
  console.log(`node ${process.version}, ${os.cpus().length} cores, PostgreSQL (embedded) on 127.0.0.1:${cluster.port}`);
  await rlsContextCost(urls.apiUrl);
  const platform = await startPlatform({ apiUrl: urls.apiUrl, dataDir });
  try {
    await gatewayCost(platform);
    await shieldCost(urls.apiUrl, platform);
    await tokenVerificationCost(urls.apiUrl, platform);
    await loginLatency(platform);
  } finally {
    await platform.stop();
  }
} finally {
  await cluster.stop();
  await rm(dataDir, { recursive: true, force: true });
}
