// pnpm pq:publish <manifest.json> (--publisher <slug> | --global): registers a persisted query
// manifest (Apollo's format, as @apollo/generate-persisted-query-manifest writes it) as the next
// version of a publisher's list, or of the global list every publisher's partners may call.
// Gateways use the new version within a second.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createPrismaClient, disconnectPrismaClient, ScopedDatabase } from '@platform/db';
import { registerPersistedQueries, type PersistedQueryManifest } from '@platform/identity/partners';
import { fail, withDatabase } from './database';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { publisher: { type: 'string' }, global: { type: 'boolean', default: false } },
});
const [file] = positionals;

await withDatabase(async (database) => {
  if (!file || positionals.length > 1) throw new Error('usage: pnpm pq:publish <manifest.json> (--publisher <slug> | --global)');
  if (Boolean(values.publisher) === values.global)
    throw new Error('name a publisher with --publisher <slug>, or publish for all with --global');
  let manifest: PersistedQueryManifest;
  try {
    manifest = JSON.parse(await readFile(file, 'utf8')) as PersistedQueryManifest;
  } catch (error) {
    throw new Error(`${file} is not a readable JSON manifest: ${(error as Error).message}`, { cause: error });
  }
  if (!Array.isArray(manifest.operations)) throw new Error(`${file} has no "operations" list`);
  // The table owner finds the publisher (it sees every one) and writes a global list, which
  // belongs to no publisher; a publisher's list is written in that publisher's scope.
  const owner = createPrismaClient(database.ownerUrl, { poolSize: 1 });
  const prisma = values.global ? owner : createPrismaClient(database.apiUrl, { poolSize: 1 });
  const db = new ScopedDatabase(prisma);
  try {
    let publisherId: string | null = null;
    if (values.publisher) {
      const found = await owner.publisher.findUnique({ where: { slug: values.publisher }, select: { id: true } });
      if (!found) throw new Error(`No publisher "${values.publisher}"`);
      publisherId = found.id;
    }
    console.log(`publishing ${manifest.operations.length} operations from ${file} for ${values.publisher ?? 'every publisher'}`);
    const result = await db.withScope({ publisherId }, (tx) => registerPersistedQueries(tx, { userId: null, publisherId }, manifest));
    console.log(`version ${result.version}: ${result.operations} operations (${result.added} added, ${result.removed} removed)`);
  } finally {
    await disconnectPrismaClient(owner);
    if (prisma !== owner) await disconnectPrismaClient(prisma);
  }
}).catch(fail);
