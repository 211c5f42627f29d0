// pnpm bench: measurements behind two design choices, each as a ratio against a baseline run in
// the same process on the same data. Bounded in iterations; talks only to 127.0.0.1.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createPrismaClient, ScopedDatabase } from '@platform/db';
import { DEMO_PASSWORD, demoId } from '@platform/demo-data';
import { createDemoDatabase, graphql, login, startPlatform, startTestCluster, type GraphQLResponse } from '@platform/testing';

// The services' request logs would drown the tables below.
process.env.LOG_LEVEL ??= 'warn';

const SPIRIT = demoId('publisher:spirit');
const WORK_IDS = Array.from({ length: 50 }, (_, i) => demoId(`work:spirit:${i}`));

interface Result {
  name: string;
  samples: number[];
}

async function measure(name: string, iterations: number, run: (i: number) => Promise<unknown>): Promise<Result> {
  for (let i = 0; i < Math.min(50, iterations); i += 1) await run(i); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < iterations; i += 1) {
    const started = process.hrtime.bigint();
    await run(i);
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return { name, samples };
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function report(title: string, perUnit: string, results: Result[], divisor = 1): void {
  const baseline = percentile(results[0]!.samples, 50) / divisor;
  console.log(`\n${title}`);
  console.log(`${'variant'.padEnd(58)} ${`p50 ${perUnit}`.padStart(14)} ${`p99 ${perUnit}`.padStart(14)}   ratio (p50)`);
  for (const r of results) {
    const p50 = percentile(r.samples, 50) / divisor;
    const p99 = percentile(r.samples, 99) / divisor;
    console.log(`${r.name.padEnd(58)} ${p50.toFixed(3).padStart(14)} ${p99.toFixed(3).padStart(14)}   ${(p50 / baseline).toFixed(2)}×`);
  }
}

/** Three point reads per unit of work: what a mutation's checks or a small page costs. */
async function rlsContextCost(apiUrl: string): Promise<void> {
  const QUERIES = 3;
  const ITERATIONS = 1_500;
  const prisma = createPrismaClient(apiUrl, { poolSize: 1 });
  const db = new ScopedDatabase(prisma);
  const read = (tx: Pick<typeof prisma, 'work'>, i: number, q: number) =>
    tx.work.findUnique({ where: { publisherId_id: { publisherId: SPIRIT, id: WORK_IDS[(i + q) % WORK_IDS.length]! } } });

  // Baseline: the context set once for the whole (single) pooled connection, the way one would
  // with a dedicated connection per tenant. Unsafe with shared pools; here only as the floor.
  await prisma.$executeRaw`SELECT set_config('app.publisher_id', ${SPIRIT}, false)`;
  const plain = await measure('plain queries (session-wide context; unsafe with a pool)', ITERATIONS, async (i) => {
    for (let q = 0; q < QUERIES; q += 1) await read(prisma, i, q);
  });
  await prisma.$executeRaw`SELECT set_config('app.publisher_id', '', false)`;

  const perQuery = await measure('a transaction per query (Prisma RLS extension style)', ITERATIONS, async (i) => {
    for (let q = 0; q < QUERIES; q += 1) {
      await prisma.$transaction([prisma.$executeRaw`SELECT set_config('app.publisher_id', ${SPIRIT}, true)`, read(prisma, i, q)]);
    }
  });
  const perUnit = await measure('one transaction per unit of work (ScopedDatabase)', ITERATIONS, (i) =>
    db.withScope({ publisherId: SPIRIT }, async (tx) => {
      for (let q = 0; q < QUERIES; q += 1) await read(tx, i, q);
    }),
  );
  report(`Row-level-security context: ${QUERIES} point reads per unit of work, ${ITERATIONS} units, pool of 1`, 'ms/query', [plain, perQuery, perUnit], QUERIES);
  await db.disconnect();
}

/** A 100-work page with its writers, straight to the catalog subgraph and through the gateway. */
async function gatewayCost(platform: Awaited<ReturnType<typeof startPlatform>>): Promise<void> {
  const ITERATIONS = 300;
  const query = `{ works(first: 100) { totalCount edges { node { id title iswc writers { share songwriter { id name } } } } } }`;
  const session = await login(platform.gatewayUrl, 'owner@spirit.demo', DEMO_PASSWORD);
  const check = (r: GraphQLResponse) => {
    if (r.errors || r.data.works.edges.length !== 100) throw new Error(`unexpected answer: ${JSON.stringify(r.errors)}`);
  };
  const direct = await measure('catalog subgraph, called directly', ITERATIONS, async () => check(await graphql(platform.catalogUrl, query, {}, { token: session.token })));
  const gateway = await measure('through the gateway (plan, forward, verify twice)', ITERATIONS, async () => check(await graphql(platform.gatewayUrl, query, {}, { token: session.token })));
  report(`A page of 100 works with writers, ${ITERATIONS} sequential requests`, 'ms/request', [direct, gateway]);
  for (const r of [direct, gateway]) {
    const seconds = r.samples.reduce((a, b) => a + b, 0) / 1000;
    console.log(`  ${r.name}: ${(r.samples.length / seconds).toFixed(0)} requests/s on one connection`);
  }
}

const cluster = await startTestCluster();
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'platform-bench-'));
try {
  const urls = await createDemoDatabase(cluster.adminUrl, 'bench');
  console.log(`node ${process.version}, ${os.cpus().length} cores, PostgreSQL (embedded) on 127.0.0.1:${cluster.port}`);
  await rlsContextCost(urls.apiUrl);
  const platform = await startPlatform({ apiUrl: urls.apiUrl, dataDir });
  try {
    await gatewayCost(platform);
  } finally {
    await platform.stop();
  }
} finally {
  await cluster.stop();
  await rm(dataDir, { recursive: true, force: true });
}
