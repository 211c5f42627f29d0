// pnpm db:seed: loads the demo world (development only; idempotent).
import { seedDemoData } from '@platform/demo-data';
import { fail, withDatabase } from './database';

await withDatabase(async (db) => {
  if (!db.adminUrl) throw new Error('DATABASE_ADMIN_URL (a superuser URL) is needed to load demo data');
  await seedDemoData(db.adminUrl);
}).catch(fail);
