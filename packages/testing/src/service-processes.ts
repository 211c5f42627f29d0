import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port';

const root = fileURLToPath(new URL('../../..', import.meta.url));

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
  /** Each service's origin (its /health and /metrics hang off it). */
  origins: Record<ServiceName, string>;
  pids(): Record<ServiceName, number>;
  /** Kills one service at once (SIGKILL): no shutdown, its connections reset mid-answer. */
  kill(service: ServiceName): Promise<void>;
  /** Freezes a service (SIGSTOP): its connections stay open and nothing answers, as a process that hangs. */
  freeze(service: ServiceName): void;
  /** Lets a frozen service go on (SIGCONT). */
  thaw(service: ServiceName): void;
  /** Starts a service again on its port, resolving once it is healthy. */
  restart(service: ServiceName): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The platform as `pnpm start` runs it: each service a process of its own on the pinned Node, so
 * that one can be killed, or its CPU read from /proc. Limits on load are raised out of the way
 * (what runs here measures or breaks the path, not the rate limiter); everything else is the
 * services' defaults.
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
    children.set(service, await startServiceProcess(service, ports[service], env, options.nodeFlags?.[service]));
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
    origins: Object.fromEntries(SERVICES.map((s) => [s, local(s)])) as Record<ServiceName, string>,
    pids: () => Object.fromEntries(SERVICES.map((s) => [s, children.get(s)!.pid!])) as Record<ServiceName, number>,
    async kill(service) {
      const child = children.get(service)!;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
    freeze: (service) => void children.get(service)!.kill('SIGSTOP'),
    thaw: (service) => void children.get(service)!.kill('SIGCONT'),
    restart: (service) => start(service),
    stop: () => stopAll(children),
  };
}

/** One service as a process on the pinned Node, resolved once it answers /health on its port. */
export async function startServiceProcess(
  service: ServiceName,
  port: number,
  env: NodeJS.ProcessEnv,
  nodeFlags: string[] = [],
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', ENTRIES[service]], {
    cwd: root,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    await untilHealthy(`http://127.0.0.1:${port}/health`, child, service);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return child;
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
    if (!child || child.exitCode !== null || child.signalCode !== null) continue;
    const exited = once(child, 'exit');
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    await exited;
  }
}
