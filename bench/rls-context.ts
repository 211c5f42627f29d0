import { createPrismaClient, ScopedDatabase } from '@platform/db';
import { demoId } from '@platform/demo-data';
import { measure, report } from './measure';

const SPIRIT = demoId('publisher:spirit');
const WORK_IDS = Array.from({ length: 50 }, (_, i) => demoId(`work:spirit:${i}`));

/** Three point reads per unit of work: what a mutation's checks or a small page costs. */
export async function rlsContextCost(apiUrl: string): Promise<void> {
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
  report(
    `Row-level-security context: ${QUERIES} point reads per unit of work, ${ITERATIONS} units, pool of 1`,
    'ms/query',
    [plain, perQuery, perUnit],
    QUERIES,
  );
  await db.disconnect();
}
