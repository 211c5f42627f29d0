import net from 'node:net';
import { bootstrapDatabase, type DatabaseRoles } from './bootstrap';
import { startEmbeddedPostgres } from './embedded-postgres';

export interface DatabaseUrls {
  /** The services' login role: no BYPASSRLS, owns nothing. */
  apiUrl: string;
  /** The role that owns the tables and runs migrations. */
  ownerUrl: string;
  /** A superuser on the platform's database, for loading demo data; absent when not configured. */
  adminUrl?: string | undefined;
}

export interface RunningDatabase extends DatabaseUrls {
  embedded: boolean;
  stop(): Promise<void>;
}

/** Development credentials of the embedded cluster, which listens on 127.0.0.1 only. */
const EMBEDDED_ROLES: DatabaseRoles = {
  database: 'publishing',
  ownerRole: 'platform_owner',
  ownerPassword: 'owner-dev-password',
  apiRole: 'platform_api',
  apiPassword: 'api-dev-password',
};

/**
 * Where the platform's data lives: the PostgreSQL named by DATABASE_URL (with
 * DATABASE_OWNER_URL for migrations), or, when DATABASE_URL is unset, an embedded PostgreSQL
 * started here with its data under `dataDir`.
 */
export async function openDatabase(options: {
  env: NodeJS.ProcessEnv;
  dataDir: string;
  log: (line: string) => void;
  persistent?: boolean;
}): Promise<RunningDatabase> {
  const { env } = options;
  if (env.DATABASE_URL) {
    return {
      embedded: false,
      apiUrl: env.DATABASE_URL,
      ownerUrl: env.DATABASE_OWNER_URL ?? env.DATABASE_URL,
      adminUrl: env.DATABASE_ADMIN_URL ? onDatabaseOf(env.DATABASE_ADMIN_URL, env.DATABASE_URL) : undefined,
      stop: async () => {},
    };
  }
  const port = Number(env.EMBEDDED_POSTGRES_PORT ?? 5433);
  const url = (role: string, password: string) => `postgres://${role}:${password}@127.0.0.1:${port}/${EMBEDDED_ROLES.database}`;
  const urls = {
    apiUrl: url(EMBEDDED_ROLES.apiRole, EMBEDDED_ROLES.apiPassword),
    ownerUrl: url(EMBEDDED_ROLES.ownerRole, EMBEDDED_ROLES.ownerPassword),
    adminUrl: url('postgres', 'postgres-dev-password'),
  };
  // A command run beside `pnpm start` (directory:sync, db:seed) uses the embedded PostgreSQL that
  // is already running, instead of failing to start a second one on the same data.
  if (await answers(port)) {
    options.log(`using the embedded PostgreSQL already running on 127.0.0.1:${port}`);
    return { embedded: true, ...urls, stop: async () => {} };
  }
  options.log(`starting embedded PostgreSQL on 127.0.0.1:${port} (data in ${options.dataDir})`);
  const cluster = await startEmbeddedPostgres({
    dataDir: options.dataDir,
    port,
    password: 'postgres-dev-password',
    persistent: options.persistent ?? true,
    log: options.log,
  });
  await bootstrapDatabase(cluster.adminUrl, EMBEDDED_ROLES);
  return { embedded: true, ...urls, stop: () => cluster.stop() };
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port, timeout: 500 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

/**
 * DATABASE_ADMIN_URL names any database of the server (bootstrap connects to `postgres` to
 * create the platform's); loading demo data needs the same superuser on the platform's database.
 */
function onDatabaseOf(adminUrl: string, databaseUrl: string): string {
  const url = new URL(adminUrl);
  url.pathname = new URL(databaseUrl).pathname;
  return url.toString();
}
