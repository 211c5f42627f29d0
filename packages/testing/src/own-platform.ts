import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type ServiceConfig } from '@platform/service';
import { MemoryMailer } from './memory-mailer';
import { createDemoDatabase } from './test-database';
import { startPlatform, type RunningPlatform } from './platform';

export interface OwnPlatform {
  /** Two full instances of every service, sharing one database and one key ring. */
  a: RunningPlatform;
  b: RunningPlatform;
  urls: { apiUrl: string; ownerUrl: string; adminUrl: string };
  /** Holds the development key ring (keys/keyring.json). */
  dataDir: string;
  mailer: MemoryMailer;
  /** A superuser connection to the spec's database, for arranging and checking data. */
  admin: pg.Client;
  stop(): Promise<void>;
}

/**
 * A demo database and two platform instances of a spec file's own, for specs whose state (login
 * counters, revoked sessions, rotated keys) must not reach other spec files.
 */
export async function startOwnPlatform(clusterAdminUrl: string, name: string, config?: Partial<ServiceConfig>): Promise<OwnPlatform> {
  const urls = await createDemoDatabase(clusterAdminUrl, name);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `platform-${name}-`));
  const mailer = new MemoryMailer();
  const a = await startPlatform({ apiUrl: urls.apiUrl, dataDir, mailer, ...(config ? { config } : {}) });
  const b = await startPlatform({ apiUrl: urls.apiUrl, dataDir, mailer, ...(config ? { config } : {}) });
  const admin = new pg.Client({ connectionString: urls.adminUrl });
  await admin.connect();
  return {
    a,
    b,
    urls,
    dataDir,
    mailer,
    admin,
    async stop() {
      await admin.end();
      await Promise.all([a.stop(), b.stop()]);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
