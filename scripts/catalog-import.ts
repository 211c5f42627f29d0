// pnpm catalog:import <file.csv> --publisher <slug>
// Imports a CSV of works (docs/catalog-import.md) into a publisher's catalog, all of it or none:
// every row is checked first, with progress, and any rejected row — each one is listed with its
// line, column and reason — leaves the catalog as it was. Recorded as the platform's own change
// (actor SYSTEM) in the publisher's audit log and events.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { importWorks } from '@platform/catalog/import';
import { createPrismaClient, disconnectPrismaClient, ScopedDatabase } from '@platform/db';
import { fail, withDatabase } from './database';

/** The command line takes files far larger than the API's 10,000 rows. */
const MAX_ROWS = 1_000_000;
const TIMEOUT_MS = 30 * 60_000;

const { positionals, values } = parseArgs({ allowPositionals: true, options: { publisher: { type: 'string' } } });
const [file] = positionals;
if (!file || !values.publisher) fail('usage: pnpm catalog:import <file.csv> --publisher <slug>');

const csv = await readFile(file, 'utf8').catch((error: Error) => fail(`cannot read ${file}: ${error.message}`));
let rejected = false;
await withDatabase(async (database) => {
  const owner = new pg.Client({ connectionString: database.ownerUrl });
  await owner.connect();
  const found = await owner
    .query<{ id: string }>(`SELECT id FROM publishers WHERE slug = $1`, [values.publisher])
    .finally(() => owner.end());
  const publisherId = found.rows[0]?.id;
  if (!publisherId) throw new Error(`There is no publisher "${values.publisher}"`);

  const prisma = createPrismaClient(database.apiUrl, { poolSize: 1 });
  const db = new ScopedDatabase(prisma);
  const started = performance.now();
  try {
    const actor = {
      publisherId,
      userId: null,
      system: 'SYSTEM' as const,
      request: { id: `cli:catalog-import:${process.pid}`, clientIp: null },
    };
    const report = await db.withScope(
      { publisherId },
      (tx) => importWorks(tx, actor, csv, { maxRows: MAX_ROWS, progress: (line) => console.log(`import: ${line}`) }),
      { timeoutMs: TIMEOUT_MS },
    );
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (report.rejected.length > 0) {
      rejected = true;
      for (const r of report.rejected) console.log(`line ${r.line}, ${r.column}: ${r.message}`);
      console.log(`import: ${report.rejected.length} problem(s) in ${report.rows} rows; nothing was imported (${seconds} s)`);
    } else {
      console.log(
        `import: ${report.imported} works and ${report.songwritersCreated} new songwriters imported into ${values.publisher} in ${seconds} s`,
      );
    }
  } finally {
    await disconnectPrismaClient(prisma);
  }
}).catch(fail);
if (rejected) process.exitCode = 2;
