import pg from 'pg';
import { inTransaction } from './pg-transaction';

export interface PermissionRow {
  key: string;
  title: string;
  description: string;
  dependsOn: readonly string[];
  escalationWarning?: string | undefined;
}

/**
 * Makes the permissions table equal to the catalog: the catalog is reviewed code, the table is
 * what foreign keys and SQL can see. Runs as the owner role after migrating.
 */
export async function syncPermissionCatalog(ownerUrl: string, catalog: readonly PermissionRow[]): Promise<void> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await inTransaction(client, async () => {
      for (const p of catalog) {
        await client.query(
          `INSERT INTO permissions (key, title, description, depends_on, escalation_warning)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (key) DO UPDATE SET title = $2, description = $3, depends_on = $4, escalation_warning = $5`,
          [p.key, p.title, p.description, p.dependsOn, p.escalationWarning ?? null],
        );
      }
      await client.query('DELETE FROM permissions WHERE NOT (key = ANY($1))', [catalog.map((p) => p.key)]);
    });
  } finally {
    await client.end();
  }
}
