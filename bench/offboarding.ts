import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { createPrismaClient, disconnectPrismaClient, ScopedDatabase, type Tx } from '@platform/db';
import { demoId } from '@platform/demo-data';
import { offboardPublisher, offboardingArchive, startOffboarding } from '@platform/publishers/offboarding';

const WORKS = 100_000;

/**
 * Offboarding a publisher of 100,000 works: the export (paged, gzipped tar, read as a client
 * would) and the deletion (batches of 1,000, one transaction each, recorded), against what one
 * statement of each costs on an identical publisher: a single `SELECT` of its works gzipped in
 * memory, and a single `DELETE`. The ratio is the price of paging, secrecy filtering, resumability and the
 * record; the export's peak memory shows it streams.
 */
export async function offboardingCost(apiUrl: string, adminUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const spirit = demoId('publisher:spirit');
  const sheer = demoId('publisher:sheer');
  const operatorId = demoId('user:operator@platform.demo');
  const prisma = createPrismaClient(apiUrl, { poolSize: 2 });
  const db = new ScopedDatabase(prisma);
  const run = <T>(work: (tx: Tx) => Promise<T>) => db.withScope({ userId: operatorId }, work);
  const operator = { userId: operatorId, sessionId: 'bench', permissions: new Set<string>() };
  try {
    for (const publisher of [spirit, sheer]) {
      await admin.query(
        `INSERT INTO works (publisher_id, id, title, iswc) SELECT $1, gen_random_uuid(), 'Bench work ' || i, NULL FROM generate_series(1, $2) i`,
        [publisher, WORKS],
      );
      await admin.query(`UPDATE publishers SET status = 'SUSPENDED' WHERE id = $1`, [publisher]);
    }
    await admin.query('VACUUM ANALYZE works');
    const rows = Number((await admin.query(`SELECT count(*) AS n FROM works WHERE publisher_id = $1`, [spirit])).rows[0].n);

    // The baselines, on Sheer: one SELECT of every row at once, gzipped in one piece; one DELETE.
    const copyStarted = performance.now();
    const all = await admin.query(`SELECT to_jsonb(w)::text AS line FROM works w WHERE publisher_id = $1`, [sheer]);
    const baselineBytes = gzipSync(all.rows.map((r) => `${r.line}\n`).join('')).length;
    const copyMs = performance.now() - copyStarted;
    const deleteStarted = performance.now();
    await admin.query(`DELETE FROM works WHERE publisher_id = $1`, [sheer]);
    const deleteMs = performance.now() - deleteStarted;

    // Offboarding Spirit, through the functions the API and the command use.
    await run((tx) => startOffboarding(tx, operator, { publisherId: spirit, confirmSlug: 'spirit' }));
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
    let bytes = 0;
    const exportStarted = performance.now();
    for await (const chunk of offboardingArchive(run, operator, spirit)) bytes += chunk.length;
    const exportMs = performance.now() - exportStarted;
    clearInterval(sampler);
    const deletionStarted = performance.now();
    const done = await offboardPublisher(run, operator, { publisherId: spirit, confirmSlug: 'spirit' });
    const deletionMs = performance.now() - deletionStarted;
    const deleted = done.tables.reduce((sum, t) => sum + t.deleted, 0);

    const rate = (n: number, ms: number) => `${Math.round(n / (ms / 1000)).toLocaleString('en')} rows/s`;
    console.log(`\nOffboarding a publisher of ${rows.toLocaleString('en')} works (${deleted.toLocaleString('en')} rows in all)`);
    console.log(`${'step'.padEnd(58)} ${'time'.padStart(10)} ${'rate'.padStart(18)}   ratio`);
    console.log(
      `${'export: one SELECT of the works, gzipped (baseline)'.padEnd(58)} ${`${copyMs.toFixed(0)} ms`.padStart(10)} ${rate(rows, copyMs).padStart(18)}   1.00×`,
    );
    console.log(
      `${'export: offboardingArchive (pages of 1,000, tar.gz)'.padEnd(58)} ${`${exportMs.toFixed(0)} ms`.padStart(10)} ${rate(rows, exportMs).padStart(18)}   ${(exportMs / copyMs).toFixed(2)}×`,
    );
    console.log(
      `${'delete: one DELETE of the works (baseline)'.padEnd(58)} ${`${deleteMs.toFixed(0)} ms`.padStart(10)} ${rate(rows, deleteMs).padStart(18)}   1.00×`,
    );
    console.log(
      `${'delete: offboardPublisher (batches of 1,000, recorded)'.padEnd(58)} ${`${deletionMs.toFixed(0)} ms`.padStart(10)} ${rate(deleted, deletionMs).padStart(18)}   ${(deletionMs / deleteMs).toFixed(2)}×`,
    );
    console.log(
      `archive ${(bytes / 1e6).toFixed(1)} MB (one SELECT gzipped: ${(baselineBytes / 1e6).toFixed(1)} MB); RSS during the export +${((peakRss - rssBefore) / 1e6).toFixed(0)} MB at its peak`,
    );
  } finally {
    await disconnectPrismaClient(prisma);
    await admin.end();
  }
}
