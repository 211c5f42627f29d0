import pg from 'pg';
import type { PublisherType } from '@platform/permissions';
import { inTransaction } from './pg-transaction';
import { syncTemplatesOf, type TemplateSql } from './role-templates';

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
  const sql: TemplateSql = async (text, values) => (await client.query<{ id: string }>(text, values)).rows;
  const { rows: publishers } = await client.query<{ id: string; type: PublisherType }>('SELECT id, type FROM publishers');
  for (const publisher of publishers) await syncTemplatesOf(sql, publisher.id, publisher.type);
  return publishers.length;
}
