import pg from 'pg';
import { migrate } from '@platform/db/admin';
import { createPlatformDatabase, LEGACY_TABLES, legacyChecksumQuery, loadLegacyCatalog, type LegacyTable } from '@platform/testing';
import { largestPostgresRssMb } from './process-usage';

// A legacy catalog of 1,150,050 rows: 50 tenants; 100,000 songwriters, 300,000 works, 150,000
// recordings, 450,000 writer lines and 150,000 work-recording links.
const SIZE = { tenants: 50, songwriters: 100_000, works: 300_000, recordings: 150_000 };
const GOAL_SECONDS = 60;

/**
 * The tenant → publisher migration (003) on a million legacy rows, done and undone: its time
 * against one plain copy of the same rows (the baseline, in the same run), the peak memory of
 * PostgreSQL's largest process and of this one, and a checksum of every legacy column of every
 * row, compared after `do` and again after `undo`.
 */
export async function legacyMigrationCost(clusterAdminUrl: string): Promise<void> {
  const urls = await createPlatformDatabase(clusterAdminUrl, 'legacy_million');
  await migrate({ ownerUrl: urls.ownerUrl, target: '2', log: () => {} });
  const admin = new pg.Client({ connectionString: urls.adminUrl });
  await admin.connect();
  const elapsed = (started: number) => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  try {
    console.log('\nThe tenant → publisher migration (003) on a million legacy rows');
    let started = performance.now();
    console.log('loading the legacy catalog');
    await loadLegacyCatalog(admin, SIZE, (line) => console.log(line));
    await admin.query('VACUUM ANALYZE');
    const rows = await legacyRowCount(admin);
    console.log(`loaded ${rows.toLocaleString('en')} legacy rows in ${elapsed(started)}`);

    await admin.query('CREATE SCHEMA bench_migration');
    started = performance.now();
    await storeChecksums(admin, 'legacy', false);
    console.log(`checksums of every row taken in ${elapsed(started)}`);

    // The baseline: every legacy row read and written once, as a bare copy.
    started = performance.now();
    for (const table of Object.keys(LEGACY_TABLES)) await admin.query(`CREATE TABLE bench_migration.copy_${table} AS TABLE ${table}`);
    const copySeconds = (performance.now() - started) / 1000;
    for (const table of Object.keys(LEGACY_TABLES)) await admin.query(`DROP TABLE bench_migration.copy_${table}`);

    const doRun = await timedMigration(urls.ownerUrl, '3');
    await storeChecksums(admin, 'after_do', true);
    const changedByDo = await changedRows(admin, 'after_do');
    const undoRun = await timedMigration(urls.ownerUrl, '2');
    await storeChecksums(admin, 'after_undo', false);
    const changedByUndo = await changedRows(admin, 'after_undo');

    const line = (name: string, seconds: number, rss: string, changed: string) =>
      console.log(
        `${name.padEnd(34)} ${`${seconds.toFixed(1)} s`.padStart(8)} ${`${(seconds / copySeconds).toFixed(1)}×`.padStart(7)} ${rss.padStart(22)}   ${changed}`,
      );
    console.log(
      `\n${'step'.padEnd(34)} ${'time'.padStart(8)} ${'ratio'.padStart(7)} ${'peak RSS pg / bench'.padStart(22)}   rows whose legacy columns differ`,
    );
    line('copy every legacy row (baseline)', copySeconds, '', '');
    line('003 do: tenants → publishers', doRun.seconds, `${doRun.postgresMb} / ${doRun.benchMb} MB`, String(changedByDo));
    line('003 undo: back to tenants', undoRun.seconds, `${undoRun.postgresMb} / ${undoRun.benchMb} MB`, String(changedByUndo));
    const verdict = changedByDo === 0 && changedByUndo === 0 ? 'every row equal after do and after undo' : 'ROWS CHANGED: FAILED';
    console.log(
      `${rows.toLocaleString('en')} rows; ${verdict}; goal ≤ ${GOAL_SECONDS} s: ${doRun.seconds <= GOAL_SECONDS ? 'met' : 'NOT met'}`,
    );
  } finally {
    await admin.end();
  }
}

async function legacyRowCount(admin: pg.Client): Promise<number> {
  const counts = Object.keys(LEGACY_TABLES).map((t) => `(SELECT count(*) FROM ${t})`);
  const { rows } = await admin.query(`SELECT ${counts.join(' + ')} AS n`);
  return Number(rows[0].n);
}

/** Every row's (table, key, checksum of its legacy columns), kept in the database: a million rows stay out of this process. */
async function storeChecksums(admin: pg.Client, name: string, migrated: boolean): Promise<void> {
  const parts = (Object.keys(LEGACY_TABLES) as LegacyTable[]).map(
    (t) => `SELECT '${t}' AS tbl, key::text, sum FROM (${legacyChecksumQuery(t, migrated)}) x`,
  );
  await admin.query(`CREATE TABLE bench_migration.${name} AS ${parts.join(' UNION ALL ')}`);
}

/** Rows missing on either side, or present on both with a different checksum. */
async function changedRows(admin: pg.Client, name: string): Promise<number> {
  const { rows } = await admin.query(`SELECT count(*)::int AS n FROM bench_migration.legacy l
                                        FULL JOIN bench_migration.${name} a USING (tbl, key)
                                       WHERE l.sum IS DISTINCT FROM a.sum`);
  return rows[0].n;
}

/** One migration with its progress printed as it goes, timed, with the peak memory sampled every 100 ms. */
async function timedMigration(ownerUrl: string, target: string): Promise<{ seconds: number; postgresMb: number; benchMb: number }> {
  let postgresMb = 0;
  const sampler = setInterval(() => {
    void largestPostgresRssMb().then((mb) => (postgresMb = Math.max(postgresMb, mb)));
  }, 100);
  const started = performance.now();
  try {
    await migrate({ ownerUrl, target, log: (line) => console.log(`  [${((performance.now() - started) / 1000).toFixed(1)} s] ${line}`) });
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - started) / 1000;
  return { seconds, postgresMb: Math.round(postgresMb), benchMb: Math.round(process.resourceUsage().maxRSS / 1024) };
}
