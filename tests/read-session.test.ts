import { afterAll, describe, expect, inject, it } from 'vitest';
import { createPrismaClient, ScopedDatabase, type Tx } from '@platform/db';
import { demoId } from '@platform/demo-data';

const db = new ScopedDatabase(createPrismaClient(inject('apiUrl'), { poolSize: 3 }));
const scope = { publisherId: demoId('publisher:dmp') };

afterAll(() => db.disconnect());

/** The transaction a read ran in (its start time and backend), and what it saw. */
const transactionOf = (tx: Tx) =>
  tx.$queryRaw<[{ started: Date; backend: number; works: number; publisher: string }]>`
    SELECT transaction_timestamp() AS started, pg_backend_pid() AS backend, (SELECT count(*)::int FROM works) AS works,
           current_setting('app.publisher_id') AS publisher`.then(([row]) => row);

describe("a request's reads", () => {
  it('share one transaction of the request’s scope, concurrent or one after another', async () => {
    const session = db.readSession(scope);
    const [a, b] = await Promise.all([session.run(transactionOf), session.run(transactionOf)]);
    const c = await session.run(transactionOf);
    await session.end();
    expect(new Set([a, b, c].map((r) => `${r.started.toISOString()}:${r.backend}`)).size).toBe(1);
    expect(a.publisher).toBe(scope.publisherId);
    expect(a.works).toBe(300); // dmp's works only, under its policies
  });

  it('cannot write: PostgreSQL refuses it in a read-only transaction', async () => {
    const session = db.readSession(scope);
    await expect(session.run((tx) => tx.$executeRaw`UPDATE works SET title = title WHERE false`)).rejects.toThrow(/read-only transaction/);
    await session.end();
  });

  it('opens another transaction after a read that failed, and each read alone once the request has ended', async () => {
    const session = db.readSession(scope);
    const before = await session.run(transactionOf);
    await expect(session.run((tx) => tx.$queryRaw`SELECT 1 / 0`)).rejects.toThrow();
    const after = await session.run(transactionOf);
    expect(after.started.getTime()).toBeGreaterThan(before.started.getTime());
    await session.end();
    const alone = [await session.run(transactionOf), await session.run(transactionOf)];
    expect(alone[0]!.started.getTime()).toBeLessThan(alone[1]!.started.getTime());
    expect(alone[1]!.publisher).toBe(scope.publisherId);
  });
});
