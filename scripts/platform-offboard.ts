// pnpm platform:offboard <slug> --operator <email> --confirm <slug> [--out <file>] [--batch-size <n>]
// Offboards a suspended publisher from the command line, as the operator named (who must hold
// platform:offboard, checked by the database as for the API): starts it, writes the export to
// --out unless it was taken before, then deletes its rows with progress, and prints the report.
// Run it again after a crash: it goes on where it stopped.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createPrismaClient, disconnectPrismaClient, ScopedDatabase, type Tx } from '@platform/db';
import { offboardPublisher, offboardingArchive, startOffboarding } from '@platform/publishers/offboarding';
import { fail, withDatabase } from './database';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { operator: { type: 'string' }, confirm: { type: 'string' }, out: { type: 'string' }, 'batch-size': { type: 'string' } },
});
const [slug] = positionals;
if (!slug || !values.operator || !values.confirm) {
  fail('usage: pnpm platform:offboard <slug> --operator <email> --confirm <slug> [--out <file>] [--batch-size <n>]');
}
const batchSize = values['batch-size'] ? Number(values['batch-size']) : undefined;
if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize > 0)) fail('--batch-size must be a positive whole number');

await withDatabase(async (database) => {
  const owner = new pg.Client({ connectionString: database.ownerUrl });
  await owner.connect();
  const ids = await owner
    .query<{ user_id: string | null; publisher_id: string | null }>(
      `SELECT (SELECT id FROM users WHERE email = lower($1)) AS user_id,
              coalesce((SELECT id FROM publishers WHERE slug = $2), (SELECT publisher_id FROM publisher_offboardings WHERE slug = $2)) AS publisher_id`,
      [values.operator, slug],
    )
    .finally(() => owner.end());
  const { user_id: userId, publisher_id: publisherId } = ids.rows[0]!;
  if (!userId) throw new Error(`No user has the email ${values.operator}`);
  if (!publisherId) throw new Error(`There is no publisher "${slug}"`);

  const prisma = createPrismaClient(database.apiUrl, { poolSize: 2 });
  const db = new ScopedDatabase(prisma);
  const run = <T>(work: (tx: Tx) => Promise<T>) => db.withScope({ userId }, work);
  const operator = {
    userId,
    sessionId: 'platform:offboard',
    permissions: new Set<string>(),
    request: { id: `cli:${process.pid}`, clientIp: null },
  };
  try {
    const started = await run((tx) => startOffboarding(tx, operator, { publisherId, confirmSlug: values.confirm! }));
    console.log(`offboarding ${started.slug} (${started.publisherId}), started ${started.startedAt.toISOString()}`);
    if (!started.exportedAt && !started.finishedAt) {
      if (!values.out) throw new Error('The export has not been taken: name a file for it with --out');
      const file = createWriteStream(values.out);
      let bytes = 0;
      for await (const chunk of offboardingArchive(run, operator, publisherId)) {
        bytes += chunk.length;
        if (!file.write(chunk)) await once(file, 'drain');
      }
      file.end();
      await once(file, 'finish');
      console.log(`export: ${values.out} (${bytes} bytes)`);
    }
    const done = await offboardPublisher(
      run,
      operator,
      { publisherId, confirmSlug: values.confirm! },
      {
        ...(batchSize ? { batchSize } : {}),
        onProgress: ({ table, deleted }) => console.log(`deleted ${deleted} rows of ${table}`),
      },
    );
    console.log(`offboarded ${done.slug} at ${done.finishedAt?.toISOString()}`);
    for (const t of done.tables)
      console.log(`  ${t.table.padEnd(28)} exported ${String(t.exported).padStart(8)}  deleted ${String(t.deleted).padStart(8)}`);
  } finally {
    await disconnectPrismaClient(prisma);
  }
}).catch(fail);
