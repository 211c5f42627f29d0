import { fileURLToPath } from 'node:url';
import pg from 'pg';
import Postgrator from 'postgrator';
import { inTransaction } from './pg-transaction';

const MIGRATIONS_DIR = fileURLToPath(new URL('../../../prisma/migrations', import.meta.url));

export interface MigrateOptions {
  /** Owner-role URL: migrations create and alter the tables this role owns. */
  ownerUrl: string;
  /** A version number, or 'max' (the default) for the newest migration. */
  target?: string;
  log?: (line: string) => void;
}

export interface MigrateResult {
  from: number;
  to: number;
  applied: string[];
}

/**
 * Applies (or, with a lower target, undoes) the SQL migrations in prisma/migrations. Each file
 * runs in its own transaction, so a failing migration leaves the database at the version before
 * it. RAISE NOTICE lines in the SQL are printed as progress.
 */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const client = new pg.Client({ connectionString: options.ownerUrl });
  await client.connect();
  client.on('notice', (notice) => log(`  ${notice.message}`));
  try {
    const postgrator = new Postgrator({
      migrationPattern: `${MIGRATIONS_DIR}/*.sql`,
      driver: 'pg',
      schemaTable: 'schema_migrations',
      execQuery: (query) => client.query(query),
      execSqlScript: (script) => inTransaction(client, () => client.query(script)).then(() => {}),
    });
    const started = new Map<string, number>();
    postgrator.on('migration-started', (m) => {
      started.set(m.filename, performance.now());
      log(`migrating: ${m.action} ${m.version} ${m.name}`);
    });
    postgrator.on('migration-finished', (m) => {
      const ms = performance.now() - (started.get(m.filename) ?? performance.now());
      log(`migrated:  ${m.action} ${m.version} ${m.name} (${Math.round(ms)} ms)`);
    });
    const from = await postgrator.getDatabaseVersion();
    const applied = await postgrator.migrate(options.target ?? 'max');
    const to = await postgrator.getDatabaseVersion();
    if (applied.length === 0) log(`database schema is at version ${to}; nothing to migrate`);
    return { from, to, applied: applied.map((m) => `${m.action} ${m.version} ${m.name}`) };
  } finally {
    await client.end();
  }
}
