// pnpm directory:sync [--publisher <slug>] [--full]: syncs publishers' Active Directories now,
// printing what it does. Without --publisher, every directory due its scheduled sync (with
// --full, every directory); without --full, an incremental sync (a directory never synced gets a full one). Safe beside running services: a
// directory being synced elsewhere is skipped.
import { parseArgs } from 'node:util';
import { createPrismaClient, disconnectPrismaClient, ScopedDatabase } from '@platform/db';
import { directoriesToSync, directoryRuntime, syncDirectory } from '@platform/identity/directory';
import { fail, serviceConfig, withDatabase } from './database';

const { values } = parseArgs({ options: { publisher: { type: 'string' }, full: { type: 'boolean', default: false } } });

await withDatabase(async (database) => {
  const config = serviceConfig(database.apiUrl);
  const prisma = createPrismaClient(database.apiUrl, { poolSize: 3 });
  const db = new ScopedDatabase(prisma);
  const runtime = await directoryRuntime(config);
  try {
    const directories = (await directoriesToSync(db)).filter((d) =>
      values.publisher ? d.slug === values.publisher : d.due || values.full,
    );
    if (directories.length === 0) {
      throw new Error(
        values.publisher ? `No directory is connected to a publisher "${values.publisher}"` : 'No publisher has a directory connected',
      );
    }
    let failed = 0;
    for (const { publisherId, slug } of directories) {
      const mode = values.full ? 'FULL' : 'INCREMENTAL';
      console.log(`[${slug}] ${mode} sync`);
      try {
        const result = await syncDirectory(db, runtime, publisherId, mode, (line) => console.log(`[${slug}] ${line}`));
        if (!result) console.log(`[${slug}] skipped: a sync of this directory is running elsewhere`);
        else for (const error of result.errors) console.log(`[${slug}]   ${error}`);
        if (result?.failed) failed++;
      } catch (error) {
        failed++;
        console.error(`[${slug}] failed: ${(error as Error).message}`);
      }
    }
    if (failed) throw new Error(`${failed} of ${directories.length} directories did not sync cleanly`);
  } finally {
    await runtime.close();
    await disconnectPrismaClient(prisma);
  }
}).catch(fail);
