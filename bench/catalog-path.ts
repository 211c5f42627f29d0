import path from 'node:path';
import autocannon from 'autocannon';
import { DEMO_PASSWORD, demoId } from '@platform/demo-data';
import { login, startPgBouncer, startServiceProcesses, type ServiceProcesses } from '@platform/testing';
import { printCpuProfile, printStatementStats, resetStatementStats } from './profile';
import { forkHelper } from './helper-process';
import { percentile } from './measure';
import { cpuMsOf, postgresCpuMs } from './process-usage';

const CONNECTIONS = 50;
const ROUNDS = 3;
const SECONDS_PER_ROUND = 8;
export const PAGE_QUERY = `query Page($first: Int!) { works(first: $first) { totalCount edges { node { id title iswc writers { share songwriter { id name } } } } } }`;

interface Target {
  name: string;
  url: string;
  token?: string;
  /** Processes whose CPU this target's requests cost, besides PostgreSQL's. */
  processes: { label: string; pid: number }[];
}

interface Tally {
  requests: number;
  seconds: number;
  p50: number[];
  p99: number[];
  cpuMs: Map<string, number>;
  failures: number;
}

/**
 * The catalog's hot read (a page of works with writers and songwriter names) under 50
 * concurrent connections, four ways in interleaved rounds: through the gateway, straight to the
 * catalog subgraph, through the gateway of a second platform whose connections all go through
 * PgBouncer in transaction mode (`pnpm pgbouncer:install`), and the floor (plain pg, one
 * statement, no Prisma, shield or RLS). Every
 * answer is compared with the one fetched before the load (autocannon counts mismatches), and the
 * CPU each process spent is read from /proc: gateway, catalog, PostgreSQL (every backend).
 * Then the 20-work page at a fixed 200 requests/s through the gateway, for its tail latency.
 */
export async function catalogPathCost(apiUrl: string, adminUrl: string, dataDir: string): Promise<void> {
  // BENCH_PROFILE=1: CPU profiles of the gateway and the catalog, and PostgreSQL's statements.
  const profiling = process.env.BENCH_PROFILE === '1';
  const profiles = path.join(dataDir, 'profiles');
  const profileOf = (service: string) => ['--cpu-prof', `--cpu-prof-dir=${path.join(profiles, service)}`];
  const services = await startServiceProcesses({
    apiUrl,
    dataDir,
    ...(profiling ? { nodeFlags: { gateway: profileOf('gateway'), catalog: profileOf('catalog') } } : {}),
  });
  const floor = await startFloor(adminUrl, demoId('publisher:spirit'));
  // The same platform again, its every connection through PgBouncer in transaction mode.
  const bounced = profiling ? null : await startBehindPgBouncer(apiUrl, path.join(dataDir, 'pgbouncer'));
  let stopped = false;
  try {
    if (profiling) await resetStatementStats(adminUrl);
    const session = await login(services.gatewayUrl, 'owner@spirit.demo', DEMO_PASSWORD);
    const pids = services.pids();
    const targets: Target[] = [
      {
        name: 'through the gateway',
        url: services.gatewayUrl,
        token: session.token,
        processes: [
          { label: 'gateway', pid: pids.gateway },
          { label: 'catalog', pid: pids.catalog },
        ],
      },
      {
        name: 'catalog subgraph directly',
        url: services.catalogUrl,
        token: session.token,
        processes: [{ label: 'catalog', pid: pids.catalog }],
      },
      ...(bounced
        ? [
            {
              name: 'gateway, via PgBouncer',
              url: bounced.services.gatewayUrl,
              token: (await login(bounced.services.gatewayUrl, 'owner@spirit.demo', DEMO_PASSWORD)).token,
              processes: [
                { label: 'gateway', pid: bounced.services.pids().gateway },
                { label: 'catalog', pid: bounced.services.pids().catalog },
                { label: 'PgBouncer', pid: bounced.bouncer.pid },
              ],
            },
          ]
        : []),
      { name: 'floor: pg + SQL + JSON', url: floor.url, processes: [{ label: 'floor', pid: floor.child.pid! }] },
    ];
    console.log(
      `\nThe catalog path: a page of works with writers, ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${SECONDS_PER_ROUND} s`,
    );
    for (const first of [20, 100]) await comparePage(first, targets);
    if (profiling) {
      await printStatementStats(adminUrl, new URL(apiUrl).pathname.slice(1));
      floor.stop();
      await services.stop();
      stopped = true;
      await printCpuProfile(path.join(profiles, 'catalog'), 'catalog process');
      await printCpuProfile(path.join(profiles, 'gateway'), 'gateway process');
      return;
    }
    await tailLatency(services, session.token);
  } finally {
    if (!stopped) {
      floor.stop();
      await services.stop();
      await bounced?.stop();
    }
  }
}

/** Every service as a process again, with PgBouncer (10 server connections) between them and PostgreSQL. */
async function startBehindPgBouncer(apiUrl: string, dataDir: string) {
  const url = new URL(apiUrl);
  const bouncer = await startPgBouncer({
    serverUrl: apiUrl,
    database: url.pathname.slice(1),
    users: { [decodeURIComponent(url.username)]: decodeURIComponent(url.password) },
    poolSize: 10,
  });
  const services = await startServiceProcesses({ apiUrl: bouncer.through(apiUrl), dataDir });
  return {
    bouncer,
    services,
    async stop() {
      await services.stop();
      await bouncer.stop();
    },
  };
}

async function comparePage(first: number, targets: Target[]): Promise<void> {
  const body = JSON.stringify({ query: PAGE_QUERY, variables: { first } });
  const expected = new Map<Target, string>();
  for (const target of targets) expected.set(target, await checkedAnswer(target, body, first));
  sameWorks(targets.map((t) => expected.get(t)!));
  const tallies = new Map<Target, Tally>(
    targets.map((t) => [t, { requests: 0, seconds: 0, p50: [], p99: [], cpuMs: new Map(), failures: 0 }]),
  );
  for (const target of targets) await load(target, body, expected.get(target)!, 2); // warm-up: JIT, plan caches
  for (let round = 0; round < ROUNDS; round += 1) {
    // Rotate who goes first, so that no one always meets a warmer or a cooler machine.
    const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
    for (const target of order) {
      const tally = tallies.get(target)!;
      const before = await cpuOf(target);
      const result = await load(target, body, expected.get(target)!, SECONDS_PER_ROUND);
      const after = await cpuOf(target);
      tally.requests += result.requests.total;
      tally.seconds += result.duration;
      tally.p50.push(result.latency.p50);
      tally.p99.push(result.latency.p99);
      tally.failures += result.errors + result.timeouts + result.non2xx + result.mismatches;
      for (const [label, ms] of after) tally.cpuMs.set(label, (tally.cpuMs.get(label) ?? 0) + ms - before.get(label)!);
    }
  }
  printPage(first, targets, tallies);
}

async function checkedAnswer(target: Target, body: string, first: number): Promise<string> {
  const response = await fetch(target.url, { method: 'POST', headers: headersOf(target), body });
  const text = await response.text();
  const answer = JSON.parse(text) as { errors?: unknown; data?: { works: { edges: { node: { writers: unknown[] } }[] } } };
  const edges = answer.data?.works.edges ?? [];
  if (answer.errors || edges.length !== first || !edges.every((e) => e.node.writers.length > 0)) {
    throw new Error(`${target.name} answered ${text.slice(0, 300)}`);
  }
  return text;
}

/** The floor must serve the page the platform serves: the same works in the same order, the same total. */
function sameWorks(answers: string[]): void {
  const shapes = answers.map((a) => {
    const works = (JSON.parse(a) as { data: { works: { totalCount: number; edges: { node: { id: string } }[] } } }).data.works;
    return JSON.stringify([works.totalCount, works.edges.map((e) => e.node.id)]);
  });
  if (new Set(shapes).size !== 1) throw new Error('the targets answered different pages');
}

function headersOf(target: Target): Record<string, string> {
  return { 'content-type': 'application/json', ...(target.token ? { authorization: `Bearer ${target.token}` } : {}) };
}

function load(target: Target, body: string, expectBody: string, seconds: number, overallRate?: number) {
  return autocannon({
    url: target.url,
    method: 'POST',
    headers: headersOf(target),
    body,
    expectBody,
    connections: CONNECTIONS,
    duration: seconds,
    ...(overallRate ? { overallRate } : {}),
  });
}

async function cpuOf(target: Target): Promise<Map<string, number>> {
  const cpu = new Map<string, number>();
  for (const { label, pid } of target.processes) cpu.set(label, await cpuMsOf(pid));
  cpu.set('PostgreSQL', await postgresCpuMs());
  return cpu;
}

function printPage(first: number, targets: Target[], tallies: Map<Target, Tally>): void {
  const labels = ['gateway', 'catalog', 'PgBouncer', 'floor', 'PostgreSQL'];
  console.log(`\n  a page of ${first} works with writers`);
  console.log(
    `  ${'target'.padEnd(28)} ${'req/s'.padStart(7)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ` +
      `${labels.map((l) => `${l} ms`.padStart(14)).join('')} ${'CPU ms/req'.padStart(11)}   × floor`,
  );
  const floor = tallies.get(targets[targets.length - 1]!)!;
  const cpuPerRequest = (t: Tally) => [...t.cpuMs.values()].reduce((a, b) => a + b, 0) / t.requests;
  for (const target of targets) {
    const t = tallies.get(target)!;
    const perProcess = labels.map((l) => (t.cpuMs.has(l) ? (t.cpuMs.get(l)! / t.requests).toFixed(2) : '').padStart(14)).join('');
    console.log(
      `  ${target.name.padEnd(28)} ${(t.requests / t.seconds).toFixed(0).padStart(7)} ${percentile(t.p50, 50).toFixed(0).padStart(7)} ${percentile(t.p99, 50).toFixed(0).padStart(7)} ` +
        `${perProcess} ${cpuPerRequest(t).toFixed(2).padStart(11)}   ${(cpuPerRequest(t) / cpuPerRequest(floor)).toFixed(2)}× CPU, ` +
        `${(floor.requests / floor.seconds / (t.requests / t.seconds)).toFixed(2)}× time` +
        (t.failures ? `   ${t.failures} FAILED` : ''),
    );
  }
}

/** A fixed offered rate, not a closed loop: the latency a page sees when the platform is not saturated. */
async function tailLatency(services: ServiceProcesses, token: string): Promise<void> {
  const RATE = 200;
  const SECONDS = 20;
  const target: Target = { name: 'gateway', url: services.gatewayUrl, token, processes: [] };
  const body = JSON.stringify({ query: PAGE_QUERY, variables: { first: 20 } });
  const expected = await checkedAnswer(target, body, 20);
  const result = await load(target, body, expected, SECONDS, RATE);
  const failures = result.errors + result.timeouts + result.non2xx + result.mismatches;
  console.log(`\n  the 20-work page through the gateway at a fixed ${RATE} requests/s offered for ${SECONDS} s`);
  console.log(
    `  served ${(result.requests.total / result.duration).toFixed(0)}/s: p50 ${result.latency.p50} ms, p90 ${result.latency.p90} ms, ` +
      `p99 ${result.latency.p99} ms, max ${result.latency.max} ms${failures ? `, ${failures} FAILED` : ''}`,
  );
}

async function startFloor(databaseUrl: string, publisherId: string) {
  const floor = await forkHelper<{ port: number }>('catalog-floor-server.ts', { databaseUrl, publisherId });
  return { url: `http://127.0.0.1:${floor.reply.port}/`, child: floor.child, stop: floor.stop };
}
