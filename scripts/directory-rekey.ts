// pnpm directory:rekey: re-seals every directory's bind password with DIRECTORY_SECRET_KEY, after
// a rotation (the old key in DIRECTORY_PREVIOUS_SECRET_KEYS until this has run). See README,
// "Directory secret key".
import { createPrismaClient, disconnectPrismaClient, ScopedDatabase } from '@platform/db';
import { directoriesToSync, directorySecrets } from '@platform/identity/directory';
import { fail, serviceConfig, withDatabase } from './database';

await withDatabase(async (database) => {
  const secrets = await directorySecrets(serviceConfig(database.apiUrl));
  const prisma = createPrismaClient(database.apiUrl, { poolSize: 2 });
  const db = new ScopedDatabase(prisma);
  try {
    let resealed = 0;
    const directories = await directoriesToSync(db);
    for (const { publisherId, slug } of directories) {
      const changed = await db.withScope({ publisherId }, async (tx) => {
        const row = await tx.directory.findUniqueOrThrow({ where: { publisherId } });
        if (!secrets.isStale(row.bindPasswordEncrypted)) return false;
        await tx.directory.update({
          where: { publisherId },
          data: { bindPasswordEncrypted: secrets.seal(secrets.open(row.bindPasswordEncrypted)) },
        });
        return true;
      });
      console.log(`[${slug}] ${changed ? 're-sealed with the current key' : 'already sealed with the current key'}`);
      if (changed) resealed++;
    }
    console.log(`${resealed} of ${directories.length} bind passwords re-sealed; the previous keys can now be removed`);
  } finally {
    await disconnectPrismaClient(prisma);
  }
}).catch(fail);
