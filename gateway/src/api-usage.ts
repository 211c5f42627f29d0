import type pg from 'pg';
import type { Logger } from '@platform/service';

/** Upper bounds (ms) of the latency buckets; the same as app_usage_latency_bounds() (migration 015). */
export const LATENCY_BOUNDS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;

/** One answered call, as the gateway saw it. */
export interface Call {
  publisherId: string;
  /** null: a person's call (an access token). */
  partnerClientId: string | null;
  operation: string;
  ms: number;
  failed: boolean;
}

interface Tally {
  publisher_id: string;
  partner_client_id: string | null;
  operation: string;
  day: string;
  calls: number;
  errors: number;
  total_ms: number;
  max_ms: number;
  latency_buckets: number[];
  last_call_at: Date;
}

/** Distinct (publisher, day, caller, operation) held between writes; beyond, calls are dropped and logged. */
const MAX_TALLIES = 50_000;

/**
 * Counts every answered call per publisher, day (UTC), caller and operation in memory, with a
 * latency histogram, and adds the counts to api_usage every flush, in one statement for all
 * publishers (app_record_api_usage): a call costs a map update, never a database write of its
 * own. A failed write keeps the counts for the next try; a crash loses at most one interval.
 */
export class ApiUsage {
  private tallies = new Map<string, Tally>();
  private readonly timer: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();
  private dropped = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Logger,
    flushMs: number,
  ) {
    this.timer = setInterval(() => void this.flush(), flushMs);
    this.timer.unref();
  }

  record(call: Call): void {
    const now = new Date();
    const day = now.toISOString().slice(0, 10);
    const key = `${call.publisherId}|${call.partnerClientId ?? ''}|${call.operation}|${day}`;
    let tally = this.tallies.get(key);
    if (!tally) {
      if (this.tallies.size >= MAX_TALLIES) {
        this.dropped += 1;
        return;
      }
      tally = {
        publisher_id: call.publisherId,
        partner_client_id: call.partnerClientId,
        operation: call.operation,
        day,
        calls: 0,
        errors: 0,
        total_ms: 0,
        max_ms: 0,
        latency_buckets: new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0),
        last_call_at: now,
      };
      this.tallies.set(key, tally);
    }
    tally.calls += 1;
    tally.errors += call.failed ? 1 : 0;
    tally.total_ms += call.ms;
    tally.max_ms = Math.max(tally.max_ms, call.ms);
    tally.latency_buckets[bucketOf(call.ms)]! += 1;
    tally.last_call_at = now;
  }

  /** Writes what is counted; one write at a time. */
  flush(): Promise<void> {
    this.writing = this.writing.then(() => this.write());
    return this.writing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async write(): Promise<void> {
    if (this.dropped > 0) {
      this.log.warn({ dropped: this.dropped }, 'usage counts dropped: too many distinct callers and operations between two writes');
      this.dropped = 0;
    }
    if (this.tallies.size === 0) return;
    const pending = this.tallies;
    this.tallies = new Map();
    try {
      await this.pool.query('SELECT app_record_api_usage($1::jsonb)', [JSON.stringify([...pending.values()])]);
    } catch (error) {
      this.log.warn({ err: error, tallies: pending.size }, 'usage not written; kept for the next try');
      for (const [key, t] of pending) this.merge(key, t);
    }
  }

  private merge(key: string, t: Tally): void {
    const current = this.tallies.get(key);
    if (!current) {
      this.tallies.set(key, t);
      return;
    }
    current.calls += t.calls;
    current.errors += t.errors;
    current.total_ms += t.total_ms;
    current.max_ms = Math.max(current.max_ms, t.max_ms);
    current.latency_buckets = current.latency_buckets.map((n, i) => n + t.latency_buckets[i]!);
    current.last_call_at = current.last_call_at > t.last_call_at ? current.last_call_at : t.last_call_at;
  }
}

function bucketOf(ms: number): number {
  const index = LATENCY_BOUNDS_MS.findIndex((bound) => ms <= bound);
  return index === -1 ? LATENCY_BOUNDS_MS.length : index;
}
