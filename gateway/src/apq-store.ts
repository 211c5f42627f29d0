import type { KeyValueCache, KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import type pg from 'pg';

/** How long a registered document is kept after its last registration, unless Apollo says otherwise. */
const DEFAULT_TTL_SECONDS = 7 * 24 * 3600;

/**
 * Automatic persisted queries kept in PostgreSQL, so that a hash registered through one gateway
 * instance is known to all of them (a per-instance memory makes every new instance answer
 * PERSISTED_QUERY_NOT_FOUND until each client re-sends its text there). Apollo wraps this store
 * so that a failing database is a cache miss, never a failed request.
 */
export class PostgresApqStore implements KeyValueCache<string> {
  constructor(private readonly pool: pg.Pool) {}

  async get(key: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ document: string }>(
      'SELECT document FROM apq_documents WHERE hash = $1 AND expires_at > now()',
      [key],
    );
    return rows[0]?.document;
  }

  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    const ttl = options?.ttl ?? DEFAULT_TTL_SECONDS;
    await this.pool.query(
      `INSERT INTO apq_documents (hash, document, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))
       ON CONFLICT (hash) DO UPDATE SET document = EXCLUDED.document, expires_at = EXCLUDED.expires_at`,
      [key, value, ttl],
    );
  }

  async delete(key: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM apq_documents WHERE hash = $1', [key]);
    return (rowCount ?? 0) > 0;
  }

  /** Drops expired documents; the gateway calls it now and then, off the request path. */
  async prune(): Promise<number> {
    const { rowCount } = await this.pool.query('DELETE FROM apq_documents WHERE expires_at <= now()');
    return rowCount ?? 0;
  }
}
