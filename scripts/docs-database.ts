// pnpm docs:database: migrates a throw-away embedded PostgreSQL and writes docs/database.md from it.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { prepareSchema, renderDatabaseDoc } from '@platform/db/admin';
import { createPlatformDatabase, startTestCluster } from '@platform/testing';

const file = fileURLToPath(new URL('../docs/database.md', import.meta.url));
const cluster = await startTestCluster();
try {
  const urls = await createPlatformDatabase(cluster.adminUrl, 'database_doc');
  await prepareSchema(urls.ownerUrl, (line) => console.log(line));
  const client = new pg.Client({ connectionString: urls.adminUrl });
  await client.connect();
  try {
    writeFileSync(file, await renderDatabaseDoc(client));
  } finally {
    await client.end();
  }
  console.log(`wrote ${file}`);
} finally {
  await cluster.stop();
}
