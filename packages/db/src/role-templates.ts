import { ROLE_TEMPLATES, templatesFor, type PublisherType } from '@platform/permissions';

/** A statement with positional parameters, on whichever connection the caller holds. */
export type TemplateSql = (sql: string, values: unknown[]) => Promise<{ id: string }[]>;

/**
 * One publisher's templates, made equal to its type's: for the migration tooling above, and for
 * the platform's operators creating a publisher or changing its type (in the publisher's scope,
 * where row-level security lets the application write that publisher's roles).
 */
export async function syncTemplatesOf(sql: TemplateSql, publisherId: string, type: PublisherType): Promise<void> {
  const templates = templatesFor(type);
  for (const t of templates) {
    const [role] = await sql(
      `INSERT INTO roles (publisher_id, key, name, description, is_template, own_works_only) VALUES ($1::uuid, $2, $3, $4, true, $5)
       ON CONFLICT (publisher_id, key) DO UPDATE SET name = $3, description = $4, own_works_only = $5, updated_at = now()
       RETURNING id`,
      [publisherId, t.key, t.name, t.description, t.ownWorksOnly ?? false],
    );
    await sql('DELETE FROM role_permissions WHERE publisher_id = $1::uuid AND role_id = $2::uuid RETURNING role_id AS id', [
      publisherId,
      role!.id,
    ]);
    await sql(
      'INSERT INTO role_permissions (publisher_id, role_id, permission_key) SELECT $1::uuid, $2::uuid, unnest($3::text[]) RETURNING role_id AS id',
      [publisherId, role!.id, t.permissions],
    );
  }
  const shipped = ROLE_TEMPLATES.filter((t) => templates.includes(t)).map((t) => t.key);
  await sql(
    `DELETE FROM roles r WHERE r.publisher_id = $1::uuid AND r.is_template AND NOT (r.key = ANY($2::text[]))
       AND NOT EXISTS (SELECT 1 FROM membership_roles mr WHERE mr.publisher_id = r.publisher_id AND mr.role_id = r.id)
     RETURNING r.id`,
    [publisherId, shipped],
  );
}
