import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { DEMO_PASSWORD } from '@platform/demo-data';
import { freePort, login, startServiceProcess, type RunningPlatform } from '@platform/testing';
import { PAGE_QUERY } from './catalog-path';
import { forkHelper } from './helper-process';
import { percentile } from './measure';
import { cpuMsOf } from './process-usage';
import { printCpuProfile } from './profile';

const here = path.dirname(fileURLToPath(import.meta.url));
const CONNECTIONS = 50;
const ROUNDS = 3;
const SECONDS_PER_ROUND = 8;

interface Gateway {
  name: string;
  url: string;
  pid: number;
}

interface Tally {
  requests: number;
  seconds: number;
  p50: number[];
  p99: number[];
  gatewayCpuMs: number;
  stubCpuMs: number;
  failures: number;
}

/**
 * The project's gateway against Hive Gateway with the Rust query planner, each a process of its
 * own on the same supergraph, in front of the same stub subgraphs (answers recorded once from the
 * real ones, then served from memory): what each gateway costs for planning, calling and merging,
 * with nothing behind it. Ours runs as shipped (token verified, limits and metrics on), without a
 * database (its rate-limit counts in memory). Every answer is checked against the one fetched
 * before the load, and both gateways must answer the same data.
 */
export async function gatewayPeers(platform: RunningPlatform, dataDir: string): Promise<void> {
  const session = await login(platform.gatewayUrl, 'owner@spirit.demo', DEMO_PASSWORD);
  const stubs = await forkHelper<{ ports: Record<string, number> }>('stub-subgraphs-server.ts', {
    identity: platform.identityUrl,
    publishers: platform.publishersUrl,
    catalog: platform.catalogUrl,
  });
  const stubUrl = (name: string) => `http://127.0.0.1:${stubs.reply.ports[name]}/graphql`;
  const composed = await readFile(path.join(here, '..', 'gateway', 'supergraph.graphql'), 'utf8');
  const supergraph = composed.replace(
    /@join__graph\(name: "(\w+)", url: "[^"]*"\)/g,
    (_, name: string) => `@join__graph(name: "${name}", url: "${stubUrl(name)}")`,
  );
  // Hive as it ships, and without its sharing of identical subgraph calls in flight, which every
  // request here (one query, one token) would share and few in life do.
  const hive = await forkHelper<{ port: number }>('hive-gateway/server.ts', { supergraph, deduplicate: true });
  const hiveAlone = await forkHelper<{ port: number }>('hive-gateway/server.ts', { supergraph, deduplicate: false });
  const port = await freePort();
  // BENCH_PROFILE=1: a CPU profile of our gateway, printed after the load.
  const profiles = process.env.BENCH_PROFILE === '1' ? path.join(dataDir, 'profiles') : null;
  const ours = await startServiceProcess(
    'gateway',
    port,
    {
      ...withoutDatabase(process.env),
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      GATEWAY_PORT: String(port),
      AUTH_JWKS_URL: new URL('/.well-known/jwks.json', platform.identityUrl).toString(),
      IDENTITY_URL: stubUrl('identity'),
      PUBLISHERS_URL: stubUrl('publishers'),
      CATALOG_URL: stubUrl('catalog'),
      RATE_LIMIT_PER_USER: '1000000',
      RATE_LIMIT_PER_PUBLISHER: '1000000',
    },
    profiles ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`] : [],
  );
  try {
    const gateways: Gateway[] = [
      { name: 'ours (@apollo/gateway)', url: `http://127.0.0.1:${port}/graphql`, pid: ours.pid! },
      { name: 'Hive, calls not shared', url: `http://127.0.0.1:${hiveAlone.reply.port}/graphql`, pid: hiveAlone.child.pid! },
      { name: 'Hive Gateway, Rust planner', url: `http://127.0.0.1:${hive.reply.port}/graphql`, pid: hive.child.pid! },
    ];
    console.log(
      `\nGateways on stub subgraphs: a page of works with writers, ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${SECONDS_PER_ROUND} s`,
    );
    for (const first of [20, 100]) await comparePage(first, gateways, session.token, stubs.child.pid!);
  } finally {
    const exited = new Promise((resolve) => ours.once('exit', resolve));
    ours.kill('SIGTERM');
    await exited;
    hive.stop();
    hiveAlone.stop();
    stubs.stop();
  }
  if (profiles) await printCpuProfile(profiles, 'our gateway on stub subgraphs');
}

async function comparePage(first: number, gateways: Gateway[], token: string, stubPid: number): Promise<void> {
  const body = JSON.stringify({ query: PAGE_QUERY, variables: { first } });
  const expected = new Map<Gateway, string>();
  for (const gateway of gateways) expected.set(gateway, await checkedAnswer(gateway, body, token, first));
  const data = gateways.map((g) => JSON.stringify(JSON.parse(expected.get(g)!).data));
  if (new Set(data).size !== 1) throw new Error('the gateways answered different data');
  const tallies = new Map<Gateway, Tally>(
    gateways.map((g) => [g, { requests: 0, seconds: 0, p50: [], p99: [], gatewayCpuMs: 0, stubCpuMs: 0, failures: 0 }]),
  );
  for (const gateway of gateways) await load(gateway, body, token, expected.get(gateway)!, 2); // warm-up: JIT, plan caches
  for (let round = 0; round < ROUNDS; round += 1) {
    const order = gateways.map((_, i) => gateways[(i + round) % gateways.length]!);
    for (const gateway of order) {
      const tally = tallies.get(gateway)!;
      const [gatewayBefore, stubBefore] = [await cpuMsOf(gateway.pid), await cpuMsOf(stubPid)];
      const result = await load(gateway, body, token, expected.get(gateway)!, SECONDS_PER_ROUND);
      tally.gatewayCpuMs += (await cpuMsOf(gateway.pid)) - gatewayBefore;
      tally.stubCpuMs += (await cpuMsOf(stubPid)) - stubBefore;
      tally.requests += result.requests.total;
      tally.seconds += result.duration;
      tally.p50.push(result.latency.p50);
      tally.p99.push(result.latency.p99);
      tally.failures += result.errors + result.timeouts + result.non2xx + result.mismatches;
    }
  }
  const rate = (t: Tally) => t.requests / t.seconds;
  const peer = tallies.get(gateways[gateways.length - 1]!)!;
  console.log(`\n  a page of ${first} works with writers`);
  console.log(
    `  ${'gateway'.padEnd(28)} ${'req/s'.padStart(7)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'gateway CPU ms/req'.padStart(19)} ${'stubs CPU ms/req'.padStart(17)}   req/s ÷ Hive's`,
  );
  for (const gateway of gateways) {
    const t = tallies.get(gateway)!;
    console.log(
      `  ${gateway.name.padEnd(28)} ${rate(t).toFixed(0).padStart(7)} ${percentile(t.p50, 50).toFixed(0).padStart(7)} ${percentile(t.p99, 50).toFixed(0).padStart(7)} ` +
        `${(t.gatewayCpuMs / t.requests).toFixed(2).padStart(19)} ${(t.stubCpuMs / t.requests).toFixed(2).padStart(17)}   ${(rate(t) / rate(peer)).toFixed(2)}×` +
        (t.failures ? `   ${t.failures} FAILED` : ''),
    );
  }
}

async function checkedAnswer(gateway: Gateway, body: string, token: string, first: number): Promise<string> {
  const response = await fetch(gateway.url, { method: 'POST', headers: headers(token), body });
  const text = await response.text();
  const answer = JSON.parse(text) as { errors?: unknown; data?: { works: { edges: unknown[] } } };
  if (response.status !== 200 || answer.errors || answer.data?.works.edges.length !== first) {
    throw new Error(`${gateway.name} answered ${text.slice(0, 300)}`);
  }
  return text;
}

const headers = (token: string) => ({ 'content-type': 'application/json', authorization: `Bearer ${token}` });

function load(gateway: Gateway, body: string, token: string, expectBody: string, seconds: number) {
  return autocannon({
    url: gateway.url,
    method: 'POST',
    headers: headers(token),
    body,
    expectBody,
    connections: CONNECTIONS,
    duration: seconds,
  });
}

/** Our gateway keeps its limits in memory here, as it does in development without a database. */
function withoutDatabase(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { DATABASE_URL: _database, ...rest } = env;
  return rest;
}
