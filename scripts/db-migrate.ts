// pnpm db:migrate [version]: migrates to the newest schema, or up or down to the given version
// (`pnpm db:migrate 2` undoes the publisher architecture), then syncs the permission catalog.
import { migrate, prepareSchema } from '@platform/db/admin';
import { fail, withDatabase } from './database';

const target = process.argv[2];
await withDatabase(async (db) => {
  if (target && target !== 'max') await migrate({ ownerUrl: db.ownerUrl, target });
  else await prepareSchema(db.ownerUrl, console.log);
}).catch(fail);
