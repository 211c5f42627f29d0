// pnpm db:bootstrap: on an external PostgreSQL, creates the roles and the database the platform
// expects, as a superuser. Reads DATABASE_ADMIN_URL (superuser, any database) and the role
// names and passwords from DATABASE_OWNER_URL and DATABASE_URL.
import { bootstrapDatabase } from '@platform/db/admin';
import { fail } from './database';

const { DATABASE_ADMIN_URL, DATABASE_OWNER_URL, DATABASE_URL } = process.env;
if (!DATABASE_ADMIN_URL || !DATABASE_OWNER_URL || !DATABASE_URL) {
  fail('set DATABASE_ADMIN_URL, DATABASE_OWNER_URL and DATABASE_URL (see README, "Configuration")');
}
const owner = new URL(DATABASE_OWNER_URL);
const api = new URL(DATABASE_URL);
await bootstrapDatabase(DATABASE_ADMIN_URL, {
  database: api.pathname.slice(1),
  ownerRole: decodeURIComponent(owner.username),
  ownerPassword: decodeURIComponent(owner.password),
  apiRole: decodeURIComponent(api.username),
  apiPassword: decodeURIComponent(api.password),
}).catch(fail);
console.log(`roles ${owner.username} (owner) and ${api.username} (services) and database ${api.pathname.slice(1)} are ready`);
