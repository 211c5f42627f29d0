import type pg from 'pg';
import type { Logger } from '@platform/service';

interface Tally {
  publisherId: string;
  clientId: string;
  operation: string;
  hour: Date;
  calls: number;
  errors: number;
  totalMs: number;
  maxMs: number;
  lastCallAt: Date;
}

/** How often counted calls are written; what a gateway holds when it stops is written then. */
export const USAGE_FLUSH_MS = 2_000;

/**
 * Counts partner calls per client, operation and hour in memory and adds them to partner_usage
 * every USAGE_FLUSH_MS, one upsert per publisher under its row-level-security scope: a call costs
 * no database write of its own. A failed write keeps the counts for the next try.
 */
export class PartnerUsage {
  private tallies = new Map<string, Tally>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Logger,
  ) {
    this.timer = setInterval(() => void this.flush(), USAGE_FLUSH_MS);
    this.timer.unref();
  }

  record(call: { publisherId: string; clientId: string; operation: string; ms: number; failed: boolean }): void {
    const now = new Date();
    const hour = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000);
    const key = `${call.clientId}|${call.operation}|${hour.getTime()}`;
    const tally = this.tallies.get(key) ?? { ...call, hour, calls: 0, errors: 0, totalMs: 0, maxMs: 0, lastCallAt: now };
    tally.calls += 1;
    tally.errors += call.failed ? 1 : 0;
    tally.totalMs += call.ms;
    tally.maxMs = Math.max(tally.maxMs, call.ms);
    tally.lastCallAt = now;
    this.tallies.set(key, tally);
  }

  async flush(): Promise<void> {
    if (this.tallies.size === 0) return;
    const pending = this.tallies;
    this.tallies = new Map();
    const byPublisher = Map.groupBy(pending.values(), (t) => t.publisherId);
    for (const [publisherId, tallies] of byPublisher) {
      try {
        await this.write(publisherId, tallies);
      } catch (error) {
        this.log.warn({ err: error, publisherId }, 'partner usage not written; kept for the next try');
        for (const t of tallies) this.merge(t);
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private merge(t: Tally): void {
    const key = `${t.clientId}|${t.operation}|${t.hour.getTime()}`;
    const current = this.tallies.get(key);
    this.tallies.set(
      key,
      current
        ? {
            ...current,
            calls: current.calls + t.calls,
            errors: current.errors + t.errors,
            totalMs: current.totalMs + t.totalMs,
            maxMs: Math.max(current.maxMs, t.maxMs),
          }
        : t,
    );
  }

  private async write(publisherId: string, tallies: Tally[]): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query("SELECT set_config('app.publisher_id', $1, true)", [publisherId]);
      await client.query(
        `INSERT INTO partner_usage (publisher_id, client_id, operation, hour, calls, errors, total_ms, max_ms, last_call_at)
         SELECT $1::uuid, u.* FROM unnest($2::uuid[], $3::text[], $4::timestamptz[], $5::bigint[], $6::bigint[], $7::float8[], $8::float8[], $9::timestamptz[]) AS u
         ON CONFLICT (publisher_id, client_id, operation, hour) DO UPDATE SET
           calls = partner_usage.calls + EXCLUDED.calls,
           errors = partner_usage.errors + EXCLUDED.errors,
           total_ms = partner_usage.total_ms + EXCLUDED.total_ms,
           max_ms = greatest(partner_usage.max_ms, EXCLUDED.max_ms),
           last_call_at = greatest(partner_usage.last_call_at, EXCLUDED.last_call_at)`,
        [
          publisherId,
          tallies.map((t) => t.clientId),
          tallies.map((t) => t.operation),
          tallies.map((t) => t.hour),
          tallies.map((t) => t.calls),
          tallies.map((t) => t.errors),
          tallies.map((t) => t.totalMs),
          tallies.map((t) => t.maxMs),
          tallies.map((t) => t.lastCallAt),
        ],
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
