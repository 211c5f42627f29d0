import pg from 'pg';

export interface DatabaseRoles {
  database: string;
  ownerRole: string;
  ownerPassword: string;
  apiRole: string;
  apiPassword: string;
}

/** An arbitrary advisory-lock key for bootstrapping, shared by every instance of this code. */
const BOOTSTRAP_LOCK = 7_204_531;

/** The group role every migration grants table privileges to; login roles join it. */
export const APP_GROUP_ROLE = 'platform_app';

/**
 * Creates, as a superuser, what the migrations assume exists: a table-owner role that runs the
 * migrations, the `platform_app` group that holds the application's grants, a login role for the
 * services that owns nothing and cannot bypass row-level security, and the database itself.
 * Safe to run again.
 */
export async function bootstrapDatabase(adminUrl: string, roles: DatabaseRoles): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  // Roles are cluster-wide: two bootstraps at once (parallel deploys, parallel spec files) would
  // otherwise collide on ALTER ROLE ("tuple concurrently updated").
  await admin.query('SELECT pg_advisory_lock($1)', [BOOTSTRAP_LOCK]);
  try {
    await ensureRole(admin, roles.ownerRole, `LOGIN PASSWORD ${literal(roles.ownerPassword)} NOSUPERUSER NOBYPASSRLS`);
    await ensureRole(admin, APP_GROUP_ROLE, 'NOLOGIN NOSUPERUSER NOBYPASSRLS');
    await ensureRole(admin, roles.apiRole, `LOGIN PASSWORD ${literal(roles.apiPassword)} NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE`);
    await admin.query(`GRANT ${ident(APP_GROUP_ROLE)} TO ${ident(roles.apiRole)}`);
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [roles.database]);
    if (exists.rowCount === 0) {
      await admin.query(`CREATE DATABASE ${ident(roles.database)} OWNER ${ident(roles.ownerRole)}`);
    }
  } finally {
    await admin.query('SELECT pg_advisory_unlock($1)', [BOOTSTRAP_LOCK]).catch(() => {});
    await admin.end();
  }
  await lockDownPublicSchema(adminUrl, roles);
}

async function lockDownPublicSchema(adminUrl: string, roles: DatabaseRoles): Promise<void> {
  const url = new URL(adminUrl);
  url.pathname = `/${roles.database}`;
  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  try {
    // The owner creates the tables; the API role may only use what it is granted.
    await db.query(`ALTER SCHEMA public OWNER TO ${ident(roles.ownerRole)}`);
    await db.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    await db.query(`GRANT USAGE ON SCHEMA public TO ${ident(APP_GROUP_ROLE)}`);
  } finally {
    await db.end();
  }
}

async function ensureRole(client: pg.Client, role: string, options: string): Promise<void> {
  const found = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  const verb = found.rowCount === 0 ? 'CREATE' : 'ALTER';
  await client.query(`${verb} ROLE ${ident(role)} WITH ${options}`);
}

function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Unsafe SQL identifier: ${name}`);
  return `"${name}"`;
}

function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
