import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bootstrapDatabase, prepareSchema, startEmbeddedPostgres, type DatabaseRoles, type DatabaseUrls } from '@platform/db/admin';
import { seedDemoData } from '@platform/demo-data';
import { freePort } from './free-port';

export interface TestCluster {
  adminUrl: string;
  port: number;
  /** Creates a database with the platform's roles, owned by the owner role, and returns its URLs. */
  createDatabase(name: string): Promise<DatabaseUrls & { adminUrl: string }>;
  stop(): Promise<void>;
}

const TEST_ROLES = {
  ownerRole: 'platform_owner',
  ownerPassword: 'owner-test-password',
  apiRole: 'platform_api',
  apiPassword: 'api-test-password',
};

/** A throw-away PostgreSQL cluster in a temporary folder, on a free port. */
export async function startTestCluster(options: { postgresFlags?: string[] } = {}): Promise<TestCluster> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'platform-pg-'));
  const port = await freePort();
  const cluster = await startEmbeddedPostgres({
    dataDir: path.join(dir, 'data'),
    port,
    password: 'postgres-test',
    persistent: false,
    ...options,
  });
  return {
    adminUrl: cluster.adminUrl,
    port,
    createDatabase: (database) => createPlatformDatabase(cluster.adminUrl, database),
    async stop() {
      await cluster.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Creates a database with the platform's roles on the cluster behind `clusterAdminUrl` (a
 * superuser URL) and returns its URLs for each role. Nothing is migrated yet.
 */
export async function createPlatformDatabase(clusterAdminUrl: string, database: string): Promise<DatabaseUrls & { adminUrl: string }> {
  const roles: DatabaseRoles = { database, ...TEST_ROLES };
  await bootstrapDatabase(clusterAdminUrl, roles);
  const url = (user: string, password: string) => {
    const u = new URL(clusterAdminUrl);
    u.username = user;
    u.password = password;
    u.pathname = `/${database}`;
    return u.toString();
  };
  return {
    apiUrl: url(roles.apiRole, roles.apiPassword),
    ownerUrl: url(roles.ownerRole, roles.ownerPassword),
    adminUrl: url(new URL(clusterAdminUrl).username, decodeURIComponent(new URL(clusterAdminUrl).password)),
  };
}

/** A database at the newest schema with the demo world loaded, on the cluster behind `clusterAdminUrl`. */
export async function createDemoDatabase(clusterAdminUrl: string, name: string) {
  const urls = await createPlatformDatabase(clusterAdminUrl, name);
  await prepareSchema(urls.ownerUrl, () => {});
  await seedDemoData(urls.adminUrl, () => {});
  return urls;
}
