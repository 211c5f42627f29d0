import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '@platform/testing';

const root = fileURLToPath(new URL('..', import.meta.url));

export const SERVICES = ['identity', 'publishers', 'catalog', 'gateway'] as const;
export type ServiceName = (typeof SERVICES)[number];

const ENTRIES: Record<ServiceName, string> = {
  identity: 'subgraphs/identity/src/main.ts',
  publishers: 'subgraphs/publishers/src/main.ts',
  catalog: 'subgraphs/catalog/src/main.ts',
  gateway: 'gateway/src/main.ts',
};

export interface ServiceProcesses {
  gatewayUrl: string;
  catalogUrl: string;
  pids(): Record<ServiceName, number>;
  stop(): Promise<void>;
}

/**
 * The platform as `pnpm start` runs it: each service a process of its own on the pinned Node, so
 * that each one's CPU can be read from /proc. Limits on load are raised out of the way (a bench
 * measures the path, not the rate limiter); everything else is the services' defaults.
 */
export async function startServiceProcesses(options: {
  apiUrl: string;
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  /** Extra Node flags per service (a CPU profile of one). */
  nodeFlags?: Partial<Record<ServiceName, string[]>>;
}): Promise<ServiceProcesses> {
  const ports = Object.fromEntries(await Promise.all(SERVICES.map(async (s) => [s, await freePort()] as const))) as Record<
    ServiceName,
    number
  >;
  const local = (s: ServiceName) => `http://127.0.0.1:${ports[s]}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DATABASE_URL: options.apiUrl,
    DATA_DIR: options.dataDir,
    IDENTITY_PORT: String(ports.identity),
    PUBLISHERS_PORT: String(ports.publishers),
    CATALOG_PORT: String(ports.catalog),
    GATEWAY_PORT: String(ports.gateway),
    AUTH_JWKS_URL: `${local('identity')}/.well-known/jwks.json`,
    IDENTITY_URL: `${local('identity')}/graphql`,
    PUBLISHERS_URL: `${local('publishers')}/graphql`,
    CATALOG_URL: `${local('catalog')}/graphql`,
    EVENTS_RELAY: 'off',
    DIRECTORY_SYNC_POLL_SECONDS: '0',
    RATE_LIMIT_PER_USER: '1000000',
    RATE_LIMIT_PER_PUBLISHER: '1000000',
    PUBLISHER_QUEUE: '10000',
    PUBLISHER_QUEUE_WAIT_MS: '60000',
    ...options.env,
  };
  const children = new Map<ServiceName, ChildProcess>();
  const start = async (service: ServiceName) => {
    const child = spawn(process.execPath, [...(options.nodeFlags?.[service] ?? []), '--import', 'tsx', ENTRIES[service]], {
      cwd: root,
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.set(service, child);
    await untilHealthy(`${local(service)}/health`, child, service);
  };
  try {
    // Identity first: the others fetch its signing keys. The gateway last: it plans over the rest.
    await start('identity');
    await Promise.all([start('publishers'), start('catalog')]);
    await start('gateway');
  } catch (error) {
    await stopAll(children);
    throw error;
  }
  return {
    gatewayUrl: `${local('gateway')}/graphql`,
    catalogUrl: `${local('catalog')}/graphql`,
    pids: () => Object.fromEntries(SERVICES.map((s) => [s, children.get(s)!.pid!])) as Record<ServiceName, number>,
    stop: () => stopAll(children),
  };
}

async function untilHealthy(url: string, child: ChildProcess, name: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}) before it was healthy`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${name} was not healthy within 60 s`);
}

async function stopAll(children: Map<ServiceName, ChildProcess>): Promise<void> {
  // The gateway first, as pnpm start does: nothing new reaches the subgraphs while they stop.
  for (const service of [...SERVICES].reverse()) {
    const child = children.get(service);
    if (!child || child.exitCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

const TICKS_PER_SECOND = 100;

/** A process's /proc/PID/stat fields after its command name (which may hold spaces). */
async function statOf(pid: number | string): Promise<string[]> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

const ticksToMs = (...ticks: (string | undefined)[]) => (ticks.reduce((sum, t) => sum + Number(t), 0) * 1000) / TICKS_PER_SECOND;

/** CPU time a process has used, user and system, in ms (Linux only). */
export async function cpuMsOf(pid: number): Promise<number> {
  const fields = await statOf(pid);
  return ticksToMs(fields[11], fields[12]);
}

/**
 * CPU of the PostgreSQL cluster (the bench's is the only one running), in ms: every live
 * process's, plus what the postmaster has reaped of backends that have exited since (a pool
 * closes idle connections), which would otherwise vanish from the sum.
 */
export async function postgresCpuMs(): Promise<number> {
  const postgres = new Map<string, string[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if ((await readFile(`/proc/${entry}/comm`, 'utf8')).trim() === 'postgres') postgres.set(entry, await statOf(entry));
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  for (const fields of postgres.values()) {
    total += ticksToMs(fields[11], fields[12]);
    const isPostmaster = !postgres.has(fields[1]!);
    if (isPostmaster) total += ticksToMs(fields[13], fields[14]);
  }
  return total;
}

/** Resident memory of a process, in MB. */
export async function rssMbOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}
