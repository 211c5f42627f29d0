import pg from 'pg';
import { inTransaction } from './pg-transaction';

export interface PermissionRow {
  key: string;
  scope?: 'PUBLISHER' | 'PLATFORM';
  title: string;
  description: string;
  dependsOn: readonly string[];
  escalationWarning?: string | undefined;
}

export interface PlatformRoleRow {
  key: string;
  name: string;
  description: string;
  permissions: readonly string[];
}

/**
 * Makes the permissions table equal to the catalog, and the platform roles equal to theirs: the
 * catalog is reviewed code, the tables are what foreign keys and SQL can see. Runs as the owner
 * role after migrating. A platform role still held by someone is kept (its foreign key refuses
 * the deletion), so that nobody loses their role to a rename without a migration saying so.
 */
export async function syncPermissionCatalog(
  ownerUrl: string,
  catalog: readonly PermissionRow[],
  platformRoles: readonly PlatformRoleRow[],
): Promise<void> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await inTransaction(client, async () => {
      for (const p of catalog) {
        await client.query(
          `INSERT INTO permissions (key, title, description, depends_on, escalation_warning, scope)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (key) DO UPDATE SET title = $2, description = $3, depends_on = $4, escalation_warning = $5, scope = $6`,
          [p.key, p.title, p.description, p.dependsOn, p.escalationWarning ?? null, p.scope ?? 'PUBLISHER'],
        );
      }
      await client.query('DELETE FROM permissions WHERE NOT (key = ANY($1))', [catalog.map((p) => p.key)]);
      for (const role of platformRoles) {
        await client.query(
          `INSERT INTO platform_roles (key, name, description) VALUES ($1, $2, $3)
           ON CONFLICT (key) DO UPDATE SET name = $2, description = $3`,
          [role.key, role.name, role.description],
        );
        await client.query('DELETE FROM platform_role_permissions WHERE role_key = $1', [role.key]);
        await client.query('INSERT INTO platform_role_permissions (role_key, permission_key) SELECT $1, unnest($2::text[])', [
          role.key,
          role.permissions,
        ]);
      }
      await client.query('DELETE FROM platform_roles WHERE NOT (key = ANY($1))', [platformRoles.map((r) => r.key)]);
    });
  } finally {
    await client.end();
  }
}
