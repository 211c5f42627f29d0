import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { DEMO_PASSWORD } from '@platform/demo-data';
import { rateLimitedResponse } from '@platform/graphql-edge';
import { freePort, graphql, login } from '@platform/testing';
import { percentile } from './measure';

/**
 * The noisy neighbour: one Viewer of dmp floods the gateway with requests for 100-work pages
 * (two shapes, see bench/flood-client.ts), and Sheer's Owner, reading 20-work pages ten times a
 * second, should not notice. The platform runs as `pnpm start` runs it (each service its own
 * process, configured from the environment); the flood comes from a process of its own so that
 * this process's clock measures only Sheer's requests. Measured on two stacks, each against its
 * own idle baseline: with limits so high that nothing is ever refused (how the platform behaved
 * before), and with the default limits (README "Fairness between publishers").
 * Goal: with the defaults, Sheer's p99 under the flood within 2× of idle, and no errors.
 */
export async function noisyNeighbour(apiUrl: string, dataDir: string): Promise<void> {
  const rows: Row[] = [];
  for (const variant of VARIANTS) {
    for (const shape of SHAPES) {
      // A fresh stack each time: work left over from one flood must not slow the next baseline.
      const stack = await startStack(apiUrl, dataDir, variant.env);
      try {
        rows.push(...(await floodAndWatch(variant.name, shape, stack)));
      } finally {
        await stack.stop();
      }
    }
  }
  printRows(rows);
  await refusalFloor(rows);
}

/**
 * What any Node process pays per request: a bare node:http server answering every request with
 * the gateway's 429 body, under the same closed-loop flood. The gateway's CPU per flood request
 * is compared with it.
 */
async function refusalFloor(rows: Row[]): Promise<void> {
  const refusal = rateLimitedResponse('Too many requests from your account; retry shortly', 1);
  const body = JSON.stringify(refusal.body);
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(refusal.status, { 'content-type': 'application/json; charset=utf-8', ...refusal.headers });
    res.end(body);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const before = process.cpuUsage();
  const counts = await startFlood(`http://127.0.0.1:${port}/graphql`, 'floor', 'closed');
  const used = process.cpuUsage(before);
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  const floor = (used.user + used.system) / counts.sent;
  console.log(`\nCPU per flood request (closed loop), against a bare node:http server answering 429: ${floor.toFixed(0)} µs`);
  for (const row of rows.filter((r) => r.flood && r.cpu)) {
    const perRequest = (row.cpu!.gateway! * 1e6) / row.flood!.sent;
    console.log(`  gateway, ${row.variant}, ${row.phase}: ${perRequest.toFixed(0)} µs (${(perRequest / floor).toFixed(1)}× the floor)`);
  }
}

const FLOOD_CONCURRENCY = 1_000;
const FLOOD_SECONDS = 20;
const SHAPES = ['burst', 'closed'] as const;
type Shape = (typeof SHAPES)[number];
const SHAPE_NAMES: Record<Shape, string> = {
  burst: `${FLOOD_CONCURRENCY} at once, every second`,
  closed: `${FLOOD_CONCURRENCY} always in flight`,
};
const IDLE_SAMPLES = 150;
const VICTIM_TIMEOUT_MS = 10_000;
/** A person clicking through pages quickly; well inside the default per-user limit. */
const VICTIM_INTERVAL_MS = 100;
const FLOOD_PAGE = '{ works(first: 100) { edges { node { id title iswc writers { share songwriter { id name } } } } } }';
const VICTIM_PAGE = '{ works(first: 20) { totalCount edges { node { id title writers { share songwriter { name } } } } } }';

const VARIANTS: { name: string; env: Record<string, string> }[] = [
  {
    name: 'no limit ever reached',
    env: {
      RATE_LIMIT_PER_USER: '1000000',
      RATE_LIMIT_PER_PUBLISHER: '1000000',
      PUBLISHER_CONCURRENCY: '10',
      PUBLISHER_QUEUE: '1000000',
      PUBLISHER_QUEUE_WAIT_MS: '600000',
    },
  },
  { name: 'default limits', env: {} },
];

interface Row {
  variant: string;
  phase: string;
  latencies: number[];
  errors: number;
  flood?: FloodCounts;
  /** CPU seconds per process during the flood. */
  cpu?: Record<string, number>;
}

interface FloodCounts {
  sent: number;
  served: number;
  refused: number;
  failed: number;
  unfinished: number;
  cpuSeconds: number;
}

async function floodAndWatch(variant: string, shape: Shape, stack: Stack): Promise<Row[]> {
  const { gatewayUrl } = stack;
  const victim = await login(gatewayUrl, 'owner@sheer.demo', DEMO_PASSWORD);
  const flooder = await login(gatewayUrl, 'viewer@dmp.demo', DEMO_PASSWORD);
  const browse = async (): Promise<{ ms: number; ok: boolean }> => {
    const started = performance.now();
    try {
      const r = await Promise.race([graphql(gatewayUrl, VICTIM_PAGE, {}, { token: victim.token }), timeout(VICTIM_TIMEOUT_MS)]);
      return { ms: performance.now() - started, ok: r.status === 200 && !r.errors && r.data?.works?.edges?.length === 20 };
    } catch {
      return { ms: performance.now() - started, ok: false };
    }
  };
  await browseFor(browse, { samples: 30 }); // warm-up: plans, JIT, pools

  const idle = await browseFor(browse, { samples: IDLE_SAMPLES });
  const cpuBefore = await stack.cpu();
  const benchCpuBefore = process.cpuUsage();
  const flood = startFlood(gatewayUrl, flooder.token, shape);
  await new Promise((resolve) => setTimeout(resolve, 1_000)); // let the flood build up
  const flooded = await browseFor(browse, { untilMs: Date.now() + (FLOOD_SECONDS - 1.5) * 1_000 });
  const counts = await flood;
  const cpuAfter = await stack.cpu();
  const bench = process.cpuUsage(benchCpuBefore);
  const cpu = Object.fromEntries(Object.entries(cpuAfter).map(([name, seconds]) => [name, seconds - (cpuBefore[name] ?? 0)]));
  cpu['bench (Sheer)'] = (bench.user + bench.system) / 1e6;
  cpu['flood client'] = counts.cpuSeconds;
  return [
    { variant, phase: 'idle', ...idle },
    { variant, phase: `dmp floods: ${SHAPE_NAMES[shape]}`, ...flooded, flood: counts, cpu },
  ];
}

async function browseFor(browse: () => Promise<{ ms: number; ok: boolean }>, until: { samples?: number; untilMs?: number }) {
  const latencies: number[] = [];
  let errors = 0;
  while (until.samples !== undefined ? latencies.length < until.samples : Date.now() < until.untilMs!) {
    const next = Date.now() + VICTIM_INTERVAL_MS;
    const { ms, ok } = await browse();
    latencies.push(ms);
    if (!ok) errors += 1;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())));
  }
  return { latencies, errors };
}

const timeout = (ms: number) => new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms).unref());

/**
 * The flood runs in a process of its own at the lowest CPU priority: on one 2-core machine the
 * flooding client would otherwise take half the CPU that, in life, its own machine pays for.
 * (Its requests still cost the platform what they cost; it only stops competing with it.)
 */
function startFlood(url: string, token: string, shape: Shape): Promise<FloodCounts> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/flood-client.ts'], {
    cwd: root,
    env: {
      ...process.env,
      FLOOD: JSON.stringify({ url, token, query: FLOOD_PAGE, concurrency: FLOOD_CONCURRENCY, seconds: FLOOD_SECONDS, shape }),
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  if (child.pid) os.setPriority(child.pid, 19);
  return new Promise((resolve, reject) => {
    child.once('message', (counts) => resolve(counts as FloodCounts));
    child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`the flood client exited with ${code}`))));
  });
}

interface Stack {
  gatewayUrl: string;
  /** CPU seconds each service process has used so far (Linux: /proc). */
  cpu(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

async function cpuSecondsOf(pid: number | undefined): Promise<number> {
  if (!pid) return 0;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks
}

const root = fileURLToPath(new URL('..', import.meta.url));

/** The four services as separate processes, as `pnpm start` launches them. */
async function startStack(apiUrl: string, dataDir: string, limits: Record<string, string>): Promise<Stack> {
  const [identity, publishers, catalog, gateway] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...limits,
    LOG_LEVEL: 'error',
    DATABASE_URL: apiUrl,
    DATA_DIR: dataDir,
    IDENTITY_PORT: String(identity),
    PUBLISHERS_PORT: String(publishers),
    CATALOG_PORT: String(catalog),
    GATEWAY_PORT: String(gateway),
    AUTH_JWKS_URL: `http://127.0.0.1:${identity}/.well-known/jwks.json`,
    IDENTITY_URL: `http://127.0.0.1:${identity}/graphql`,
    PUBLISHERS_URL: `http://127.0.0.1:${publishers}/graphql`,
    CATALOG_URL: `http://127.0.0.1:${catalog}/graphql`,
  };
  const children: ChildProcess[] = [];
  const named = new Map<string, ChildProcess>();
  const launch = async (entry: string, port: number) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(child);
    named.set(entry.split('/')[entry.startsWith('gateway') ? 0 : 1]!, child);
    await healthy(port);
  };
  const stop = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise((resolve) => (child.exitCode !== null ? resolve(null) : (child.once('exit', resolve), child.kill('SIGTERM')))),
      ),
    );
  };
  try {
    await launch('subgraphs/identity/src/main.ts', identity);
    await Promise.all([launch('subgraphs/publishers/src/main.ts', publishers), launch('subgraphs/catalog/src/main.ts', catalog)]);
    await launch('gateway/src/main.ts', gateway);
  } catch (error) {
    await stop();
    throw error;
  }
  const cpu = async () =>
    Object.fromEntries(await Promise.all([...named].map(async ([name, child]) => [name, await cpuSecondsOf(child.pid)] as const)));
  return { gatewayUrl: `http://127.0.0.1:${gateway}/graphql`, cpu, stop };
}

async function healthy(port: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`no service became healthy on port ${port} within 60 s`);
}

function printRows(rows: Row[]): void {
  console.log(
    `\nNoisy neighbour: Sheer's Owner reads 20-work pages, ten a second, while a Viewer of dmp floods 100-work pages for ${FLOOD_SECONDS} s`,
  );
  console.log(
    `${'limits'.padEnd(24)}${'phase'.padEnd(42)}${'n'.padStart(5)}${'p50 ms'.padStart(10)}${'p99 ms'.padStart(10)}${'max ms'.padStart(10)}${'errors'.padStart(8)}   p99 vs idle   dmp's flood: sent / served / 429 / failed / unfinished`,
  );
  let idleP99 = 0;
  for (const row of rows) {
    const p99 = percentile(row.latencies, 99);
    if (row.phase === 'idle') idleP99 = p99;
    const flood = row.flood
      ? `${row.flood.sent} / ${row.flood.served} / ${row.flood.refused} / ${row.flood.failed} / ${row.flood.unfinished}`
      : '';
    console.log(
      `${row.variant.padEnd(24)}${row.phase.padEnd(42)}${String(row.latencies.length).padStart(5)}${percentile(row.latencies, 50).toFixed(1).padStart(10)}${p99.toFixed(1).padStart(10)}${Math.max(
        ...row.latencies,
      )
        .toFixed(1)
        .padStart(10)}${String(row.errors).padStart(8)}   ${`${(p99 / idleP99).toFixed(2)}×`.padStart(11)}   ${flood}`,
    );
    if (row.cpu)
      console.log(
        `${''.padEnd(24)}CPU s during the flood: ${Object.entries(row.cpu)
          .map(([name, s]) => `${name} ${s.toFixed(1)}`)
          .join(', ')}`,
      );
  }
}
