// pnpm audit:verify [--publisher <slug>]: follows every publisher's audit-log hash chain from its
// first entry, computing each hash anew, and reports the first broken link of each. Prints each
// chain's head (its newest hash): kept somewhere else, it shows even a rewrite of a whole chain.
// Exits 1 when a chain is broken.
import { parseArgs } from 'node:util';
import pg from 'pg';
import { CHAINED_ENTRY_COLUMNS, ChainVerifier, describeBreak, type ChainedEntry } from '@platform/events';
import { fail, withDatabase } from './database';

const BATCH = 5_000;
const { values } = parseArgs({ options: { publisher: { type: 'string' } } });

await withDatabase(async (database) => {
  // The table owner reads every publisher's log (migration 012's audit_chain policy).
  const client = new pg.Client({ connectionString: database.ownerUrl });
  await client.connect();
  let broken = 0;
  try {
    const { rows: publishers } = await client.query<{ id: string; slug: string }>(
      `SELECT id, slug FROM publishers WHERE $1::text IS NULL OR slug = $1 ORDER BY slug`,
      [values.publisher ?? null],
    );
    if (values.publisher && publishers.length === 0) throw new Error(`No publisher "${values.publisher}"`);
    for (const [i, publisher] of publishers.entries()) {
      const chain = new ChainVerifier();
      let after = '0';
      let found = null;
      for (;;) {
        const { rows } = await client.query<ChainedEntry>(
          `SELECT ${CHAINED_ENTRY_COLUMNS} FROM audit_log a WHERE a.publisher_id = $1 AND a.seq > $2 ORDER BY a.seq LIMIT ${BATCH}`,
          [publisher.id, after],
        );
        found = chain.check(rows);
        if (found || rows.length < BATCH) break;
        after = rows.at(-1)!.seq;
        console.log(`  ${publisher.slug}: ${chain.entries} entries checked`);
      }
      const position = `audit:verify ${i + 1}/${publishers.length} ${publisher.slug}:`;
      if (found) {
        broken += 1;
        console.log(`${position} BROKEN after ${chain.entries} intact entries: ${describeBreak(found)}`);
      } else {
        console.log(`${position} ${chain.entries} entries, chain intact, head ${chain.head ?? '(empty)'}`);
      }
    }
  } finally {
    await client.end();
  }
  if (broken) throw new Error(`${broken} audit chain(s) broken`);
}).catch(fail);
