import pg from 'pg';
import { ROLE_TEMPLATES, templatesFor, type PublisherType } from '@platform/permissions';
import { inTransaction } from './pg-transaction';

/**
 * Gives every publisher exactly the role templates of its type, with the permissions the
 * catalog says: new templates appear, changed ones follow, and templates no longer shipped for
 * the type go (unless members still hold them). Runs as the owner role after migrating.
 */
export async function syncRoleTemplates(ownerUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    return await inTransaction(client, () => syncRoleTemplatesWith(client));
  } finally {
    await client.end();
  }
}

/** The same, on a connection whose transaction the caller owns (the demo seed's). */
export async function syncRoleTemplatesWith(client: pg.Client): Promise<number> {
  const { rows: publishers } = await client.query<{ id: string; type: PublisherType }>('SELECT id, type FROM publishers');
  for (const publisher of publishers) {
    const templates = templatesFor(publisher.type);
    for (const t of templates) {
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO roles (publisher_id, key, name, description, is_template, own_works_only) VALUES ($1, $2, $3, $4, true, $5)
         ON CONFLICT (publisher_id, key) DO UPDATE SET name = $3, description = $4, own_works_only = $5, updated_at = now()
         RETURNING id`,
        [publisher.id, t.key, t.name, t.description, t.ownWorksOnly ?? false],
      );
      const roleId = rows[0]!.id;
      await client.query('DELETE FROM role_permissions WHERE publisher_id = $1 AND role_id = $2', [publisher.id, roleId]);
      await client.query('INSERT INTO role_permissions (publisher_id, role_id, permission_key) SELECT $1, $2, unnest($3::text[])', [
        publisher.id,
        roleId,
        t.permissions,
      ]);
    }
    const shipped = ROLE_TEMPLATES.filter((t) => templates.includes(t)).map((t) => t.key);
    await client.query(
      `DELETE FROM roles r WHERE r.publisher_id = $1 AND r.is_template AND NOT (r.key = ANY($2))
         AND NOT EXISTS (SELECT 1 FROM membership_roles mr WHERE mr.publisher_id = r.publisher_id AND mr.role_id = r.id)`,
      [publisher.id, shipped],
    );
  }
  return publishers.length;
}
