import pg from 'pg';

/**
 * Runs `work` on a connection of its own, in one transaction whose row-level-security settings
 * are those of a request of this publisher and user (as ScopedDatabase sets them), and rolls it
 * back: for specs that ask the database itself what a role may see or write.
 */
export async function inScopeAs<T>(
  connectionString: string,
  scope: { publisherId: string; userId?: string },
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT set_config('app.publisher_id', $1, true), set_config('app.user_id', $2, true)`, [
      scope.publisherId,
      scope.userId ?? '',
    ]);
    return await work(client);
  } finally {
    await client.query('ROLLBACK').catch(() => {});
    await client.end();
  }
}
