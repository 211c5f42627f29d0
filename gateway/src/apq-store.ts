import type { KeyValueCache, KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import type pg from 'pg';
import type { Logger } from '@platform/service';

/** How long a registered document is kept after its last registration, unless Apollo says otherwise. */
const DEFAULT_TTL_SECONDS = 7 * 24 * 3600;
/** How often expired documents are dropped (reads already skip them). */
const PRUNE_EVERY_MS = 3_600_000;

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

  /**
   * Drops expired documents now and then every PRUNE_EVERY_MS, off the request path; answers a
   * function that stops it. Any instance may prune: the deletes of two at once do not conflict.
   */
  prunePeriodically(log: Logger): () => void {
    const prune = () =>
      this.pool
        .query('DELETE FROM apq_documents WHERE expires_at <= now()')
        .then(({ rowCount }) => rowCount && log.info({ event: 'apq.pruned', documents: rowCount }, 'dropped expired persisted queries'))
        .catch((error: unknown) => log.warn({ err: error }, 'expired persisted queries not dropped; tried again later'));
    void prune();
    const timer = setInterval(() => void prune(), PRUNE_EVERY_MS);
    timer.unref();
    return () => clearInterval(timer);
  }
}
