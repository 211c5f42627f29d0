import type pg from 'pg';

/**
 * A pool whose queries are sent as unnamed statements, for a library that names its prepared
 * statements (rate-limiter-flexible's PostgreSQL store). A named statement belongs to one server
 * connection; behind PgBouncer in transaction mode the next query may reach another connection
 * where that name is unknown, or already taken ("prepared statement … already exists"). Unnamed,
 * each query is parsed where it runs, as Prisma's are.
 */
export function withUnnamedStatements(pool: pg.Pool): { query(config: pg.QueryConfig): Promise<pg.QueryResult> } {
  return { query: ({ text, values }) => pool.query({ text, ...(values ? { values } : {}) }) };
}
