import { describe, expect, inject, it } from 'vitest';
import { createPrismaClient, POOL_WAIT_MS, ScopedDatabase } from '@platform/db';
import { ServiceUnavailable } from '@platform/errors';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; error: unknown }> {
  const started = performance.now();
  const error = await work().then(
    () => null,
    (e: unknown) => e,
  );
  return { ms: performance.now() - started, error };
}

describe('a database that cannot take the work', () => {
  it('answers a request that finds every connection busy with SERVICE_UNAVAILABLE after a bounded wait, and serves the next one', async () => {
    const db = new ScopedDatabase(createPrismaClient(inject('apiUrl'), { poolSize: 1 }));
    try {
      const holding = db.withScope(
        {},
        async (tx) => {
          await tx.$queryRaw`SELECT 1`;
          await sleep(POOL_WAIT_MS + 1_000);
          return 'held';
        },
        { timeoutMs: POOL_WAIT_MS * 3 },
      );
      await sleep(100);
      const waiting = await timed(() => db.withScope({}, (tx) => tx.$queryRaw`SELECT 1`));
      console.log(`the pool's one connection held: the next request was refused after ${waiting.ms.toFixed(0)} ms`);
      expect(waiting.error).toBeInstanceOf(ServiceUnavailable);
      expect((waiting.error as ServiceUnavailable).code).toBe('SERVICE_UNAVAILABLE');
      expect((waiting.error as ServiceUnavailable).message).toMatch(/busy.*retry/);
      expect((waiting.error as ServiceUnavailable).details()).toEqual({ retryAfterSeconds: 1 });
      expect(waiting.ms).toBeGreaterThanOrEqual(POOL_WAIT_MS - 100);
      expect(waiting.ms).toBeLessThan(POOL_WAIT_MS + 900);
      expect(await holding).toBe('held');
      expect(await db.withScope({}, (tx) => tx.$queryRaw<[{ ok: number }]>`SELECT 1 AS ok`)).toEqual([{ ok: 1 }]);
    } finally {
      await db.disconnect();
    }
  });

  it('answers SERVICE_UNAVAILABLE at once when PostgreSQL is not there, never in Prisma’s words', async () => {
    const url = new URL(inject('apiUrl'));
    url.port = '1'; // nothing listens there
    const db = new ScopedDatabase(createPrismaClient(url.toString(), { poolSize: 1 }));
    try {
      const { ms, error } = await timed(() => db.readSession({}).run((tx) => tx.$queryRaw`SELECT 1`));
      expect(error).toBeInstanceOf(ServiceUnavailable);
      expect((error as Error).message).toBe('The database is not reachable right now. Nothing was changed; retry in a few seconds');
      expect(ms).toBeLessThan(2_000);
    } finally {
      await db.disconnect();
    }
  });
});
