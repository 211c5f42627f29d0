import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, type RunningDatabase } from '@platform/db/admin';
import { readServiceConfig, type ServiceConfig } from '@platform/service';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * For the one-shot database commands: the configured PostgreSQL, or the embedded one (started
 * for the command and stopped after it).
 */
export async function withDatabase(work: (db: RunningDatabase) => Promise<void>): Promise<void> {
  const dataDir = path.resolve(process.env.DATA_DIR ?? path.join(root, '.data'));
  const db = await openDatabase({ env: process.env, dataDir: path.join(dataDir, 'postgres'), log: console.log });
  try {
    await work(db);
  } finally {
    await db.stop();
  }
}

export function fail(error: unknown): never {
  console.error(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

/** The services' configuration from the environment, for a command that does a service's work. */
export function serviceConfig(databaseUrl: string): ServiceConfig {
  return { ...readServiceConfig(process.env, root), databaseUrl };
}
