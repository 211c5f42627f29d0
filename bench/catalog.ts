import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { importWorks } from '@platform/catalog/import';
import { listWorks } from '@platform/catalog/works';
import { createPrismaClient, disconnectPrismaClient, ScopedDatabase } from '@platform/db';
import { demoId, ipiNameNumber as ipiOf, iswc as iswcOf } from '@platform/demo-data';
import { measure, report } from './measure';

const WORKS = 100_000;
/** One new songwriter per ten works; every work also has one shared writer. */
const WORKS_PER_WRITER = 10;
const WORDS = ['Amber', 'Bright', 'Cinder', 'Drift', 'Ember', 'Fable', 'Glass', 'Harbor', 'Iris', 'Juniper', 'Kite', 'Lumen'];

const titleOf = (n: number) => `${WORDS[n % 12]} ${WORDS[Math.floor(n / 12) % 12]} ${WORDS[Math.floor(n / 144) % 12]} ${n}`;

/**
 * Importing 100,000 works (200,000 writer lines, 10,000 new songwriters) through importWorks —
 * every row checked, all in one transaction, an audit entry and an event per work — against the
 * same rows written by three plain INSERTs of arrays on another publisher, with the
 * database's own checks (identifier checks, the share total at commit) but none of ours. Then,
 * on the 100,000 works: a ranked title search page against a plain title-ordered page.
 */
export async function catalogCost(apiUrl: string, adminUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const prisma = createPrismaClient(apiUrl, { poolSize: 2 });
  const db = new ScopedDatabase(prisma);
  const dmp = demoId('publisher:dmp');
  const sheer = demoId('publisher:sheer');
  try {
    const shared = ipiOf(900_000_000);
    for (const publisher of [dmp, sheer]) {
      await admin.query(`INSERT INTO songwriters (publisher_id, last_name, ipi_name_number) VALUES ($1, 'Shared', $2)`, [
        publisher,
        shared,
      ]);
    }
    const header =
      'title,iswc,language,alternate_titles,writer_1_ipi,writer_1_last_name,writer_1_first_name,writer_1_role,writer_1_share,writer_2_ipi,writer_2_role,writer_2_share';
    const lines = [header];
    for (let i = 0; i < WORKS; i += 1) {
      const writer = 910_000_000 + Math.floor(i / WORKS_PER_WRITER);
      lines.push(`${titleOf(i)},${iswcOf(920_000_000 + i)},en,Alt ${i},${ipiOf(writer)},Writer${writer},Bench,C,60,${shared},A,40.00`);
    }
    const csv = lines.join('\n');

    // Baseline: the same rows, written by hand in three statements of arrays, on Sheer.
    const writerIds = Array.from({ length: WORKS / WORKS_PER_WRITER }, () => randomUUID());
    const workIds = Array.from({ length: WORKS }, () => randomUUID());
    const sharedId = (await admin.query(`SELECT id FROM songwriters WHERE publisher_id = $1 AND ipi_name_number = $2`, [sheer, shared]))
      .rows[0].id;
    const baselineStarted = performance.now();
    await admin.query('BEGIN');
    await admin.query(
      `INSERT INTO songwriters (publisher_id, id, first_name, last_name) SELECT $1, unnest($2::uuid[]), 'Bench', 'Writer' || unnest($3::text[])`,
      [sheer, writerIds, writerIds.map((_, i) => String(i))],
    );
    await admin.query(
      `INSERT INTO works (publisher_id, id, title, language, alternate_titles)
       SELECT $1, unnest($2::uuid[]), unnest($3::text[]), 'en', ARRAY['Alt ' || unnest($4::text[])]`,
      [sheer, workIds, workIds.map((_, i) => titleOf(i)), workIds.map((_, i) => String(i))],
    );
    await admin.query(
      `INSERT INTO work_writers (publisher_id, work_id, songwriter_id, share, role)
       SELECT $1, unnest($2::uuid[]), unnest($3::uuid[]), unnest($4::numeric[]), unnest($5::text[])`,
      [
        sheer,
        [...workIds, ...workIds],
        [...workIds.map((_, i) => writerIds[Math.floor(i / WORKS_PER_WRITER)]!), ...workIds.map(() => sharedId)],
        [...workIds.map(() => 60), ...workIds.map(() => 40)],
        [...workIds.map(() => 'C'), ...workIds.map(() => 'A')],
      ],
    );
    await admin.query('COMMIT');
    const baselineMs = performance.now() - baselineStarted;

    // importWorks, on DMP, as the command line runs it.
    const phases: [string, number][] = [];
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
    const started = performance.now();
    const actor = { publisherId: dmp, userId: null, system: 'SYSTEM' as const };
    const result = await db.withScope(
      { publisherId: dmp },
      (tx) =>
        importWorks(tx, actor, csv, {
          maxRows: WORKS,
          progress: (line) => {
            if (/^checked \d[\d,]* rows:|^created|^imported 100,000/.test(line)) phases.push([line, performance.now() - started]);
          },
        }),
      { timeoutMs: 30 * 60_000 },
    );
    const importMs = performance.now() - started;
    clearInterval(sampler);
    if (result.imported !== WORKS || result.rejected.length)
      throw new Error(`the import did not take every row: ${JSON.stringify(result).slice(0, 500)}`);

    console.log(
      `\ncatalog import: ${WORKS.toLocaleString('en')} works, ${(2 * WORKS).toLocaleString('en')} writer lines, ${result.songwritersCreated.toLocaleString('en')} new songwriters (${(csv.length / 1e6).toFixed(1)} MB of CSV)`,
    );
    for (const [line, ms] of phases) console.log(`  ${(ms / 1000).toFixed(1).padStart(6)} s  ${line}`);
    console.log(`${'variant'.padEnd(58)} ${'seconds'.padStart(10)} ${'works/s'.padStart(10)}   ratio`);
    for (const [name, ms] of [
      ['baseline: three INSERTs of arrays, no checks of ours, no events', baselineMs],
      ['importWorks: checked, one transaction, audited, events', importMs],
    ] as const) {
      console.log(
        `${name.padEnd(58)} ${(ms / 1000).toFixed(1).padStart(10)} ${Math.round(WORKS / (ms / 1000))
          .toLocaleString('en')
          .padStart(10)}   ${(ms / baselineMs).toFixed(2)}×`,
      );
    }
    console.log(`peak memory during the import: +${Math.round((peakRss - rssBefore) / 1e6)} MB over ${Math.round(rssBefore / 1e6)} MB`);

    // Search on a publisher of 100,000 works: a ranked page against a plain one.
    await admin.query('VACUUM ANALYZE works, work_writers, songwriters');
    const owner = {
      publisherId: dmp,
      userId: demoId('user:owner@dmp.demo'),
      sessionId: 'bench',
      permissions: new Set<string>(),
      ownWorksOf: null,
    } as const;
    const scope = { publisherId: dmp, userId: owner.userId };
    const page = (query: Parameters<typeof listWorks>[2]) =>
      db.withScope(scope, async (tx) => (await listWorks(tx, owner, query)).connection);
    const found = await page({ first: 20, filter: { search: 'Ember Kite' } });
    report(
      `works on a publisher of ${(WORKS + 300).toLocaleString('en')}: one page of 20 (found ${found.totalCount.toLocaleString('en')} for "Ember Kite")`,
      'ms',
      [
        await measure('by title, first page', 100, () => page({ first: 20 })),
        await measure('search "Ember Kite": prefix, then word similarity', 100, () =>
          page({ first: 20, filter: { search: 'Ember Kite' } }),
        ),
        await measure('search "Embr Kit" (misspelt): word similarity', 100, () => page({ first: 20, filter: { search: 'Embr Kit' } })),
        await measure('filter by a writer of 10 works', 100, () => page({ first: 20, filter: { ipiNameNumber: ipiOf(910_000_123) } })),
      ],
    );
  } finally {
    await disconnectPrismaClient(prisma);
    await admin.end();
  }
}
