import { readFileSync } from 'node:fs';
import pg from 'pg';
import { expect, inject, it } from 'vitest';
import { renderDatabaseDoc } from '@platform/db/admin';

it('docs/database.md is what the migrated database says (pnpm docs:database)', async () => {
  const client = new pg.Client({ connectionString: inject('adminUrl') });
  await client.connect();
  try {
    expect(readFileSync(new URL('../docs/database.md', import.meta.url), 'utf8')).toBe(await renderDatabaseDoc(client));
  } finally {
    await client.end();
  }
});
