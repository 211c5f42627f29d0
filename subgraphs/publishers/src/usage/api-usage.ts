import type { Actor } from '@platform/auth';
import { Prisma, type Tx } from '@platform/db';
import { reportingPeriod } from '@platform/paging';

export type UsageGrouping = 'DAY' | 'CALLER' | 'OPERATION';

export interface UsageRowModel {
  day: string | null;
  callerKind: 'PEOPLE' | 'PARTNER_CLIENT' | null;
  partnerClientId: string | null;
  partnerClientName: string | null;
  operation: string | null;
  calls: number;
  errors: number;
  errorRate: number;
  averageMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface UsageReportModel {
  from: string;
  to: string;
  groupBy: UsageGrouping[];
  totals: UsageRowModel;
  rows: UsageRowModel[];
  /** More groups than MAX_ROWS: the busiest are answered. */
  truncated: boolean;
}

const MAX_ROWS = 1_000;

interface SumRow {
  day: Date | null;
  partner_client_id: string | null;
  partner_client_name: string | null;
  people: boolean | null;
  operation: string | null;
  calls: bigint;
  errors: bigint;
  total_ms: number;
  max_ms: number;
  buckets: bigint[];
  bounds: number[];
}

/**
 * The active publisher's calls over whole days (UTC) from `from`'s day to `to`'s day, both
 * included (by default the last 30 days; at most 400), in groups of day, caller and operation as
 * asked, each with its error rate and latency percentiles (read from the summed histograms, so
 * within one bucket's width), and the totals of the period.
 */
export async function usageReport(
  tx: Tx,
  actor: Actor,
  query: { from?: Date | null; to?: Date | null; groupBy?: readonly UsageGrouping[] | null },
): Promise<UsageReportModel> {
  const period = reportingPeriod(query.from, query.to, { defaultDays: 29, maxDays: 400 });
  const groupBy = [...new Set(query.groupBy ?? ['DAY'])].sort() as UsageGrouping[];
  const from = period.from.toISOString().slice(0, 10);
  const to = period.to.toISOString().slice(0, 10);
  const byDay = groupBy.includes('DAY');
  const byCaller = groupBy.includes('CALLER');
  const byOperation = groupBy.includes('OPERATION');
  // Each grouping switches a fixed column on; nothing of the caller's reaches the SQL text.
  const rows = await tx.$queryRaw<SumRow[]>`
    SELECT ${byDay ? Prisma.sql`u.day` : Prisma.sql`NULL::date`} AS day,
           ${byCaller ? Prisma.sql`u.partner_client_id` : Prisma.sql`NULL::uuid`} AS partner_client_id,
           ${byCaller ? Prisma.sql`max(c.name)` : Prisma.sql`NULL::text`} AS partner_client_name,
           ${byCaller ? Prisma.sql`u.partner_client_id IS NULL` : Prisma.sql`NULL::boolean`} AS people,
           ${byOperation ? Prisma.sql`u.operation` : Prisma.sql`NULL::text`} AS operation,
           sum(u.calls)::bigint AS calls, sum(u.errors)::bigint AS errors, sum(u.total_ms) AS total_ms,
           max(u.max_ms) AS max_ms, app_sum_buckets(u.latency_buckets) AS buckets, app_usage_latency_bounds() AS bounds
      FROM api_usage u
      LEFT JOIN partner_clients c ON c.publisher_id = u.publisher_id AND c.id = u.partner_client_id
     WHERE u.publisher_id = ${actor.publisherId}::uuid AND u.day BETWEEN ${from}::date AND ${to}::date
     GROUP BY GROUPING SETS ((${Prisma.join(groupColumns(byDay, byCaller, byOperation))}), ())
     ORDER BY GROUPING(${Prisma.join(groupColumns(byDay, byCaller, byOperation))}) DESC, 1, sum(u.calls) DESC
     LIMIT ${MAX_ROWS + 2}`;
  // The grand total comes first (its grouping bits are all set); an empty period has only it.
  const [total, ...groups] = rows;
  return {
    from,
    to,
    groupBy,
    totals: total ? rowOf(total, false, false, false) : emptyRow(),
    rows: groups.slice(0, MAX_ROWS).map((r) => rowOf(r, byDay, byCaller, byOperation)),
    truncated: groups.length > MAX_ROWS,
  };
}

function groupColumns(byDay: boolean, byCaller: boolean, byOperation: boolean): Prisma.Sql[] {
  const columns = [
    ...(byDay ? [Prisma.sql`u.day`] : []),
    ...(byCaller ? [Prisma.sql`u.partner_client_id`] : []),
    ...(byOperation ? [Prisma.sql`u.operation`] : []),
  ];
  // No grouping asked: one group, the whole period (the same as the total).
  return columns.length ? columns : [Prisma.sql`u.publisher_id`];
}

function rowOf(r: SumRow, byDay: boolean, byCaller: boolean, byOperation: boolean): UsageRowModel {
  const calls = Number(r.calls);
  const errors = Number(r.errors);
  const buckets = (r.buckets ?? []).map(Number);
  return {
    day: byDay && r.day ? r.day.toISOString().slice(0, 10) : null,
    callerKind: byCaller ? (r.people ? 'PEOPLE' : 'PARTNER_CLIENT') : null,
    partnerClientId: byCaller ? r.partner_client_id : null,
    partnerClientName: byCaller ? r.partner_client_name : null,
    operation: byOperation ? r.operation : null,
    calls,
    errors,
    errorRate: calls ? errors / calls : 0,
    averageMs: calls ? r.total_ms / calls : 0,
    p50Ms: percentile(buckets, r.bounds, r.max_ms, 0.5),
    p95Ms: percentile(buckets, r.bounds, r.max_ms, 0.95),
    p99Ms: percentile(buckets, r.bounds, r.max_ms, 0.99),
    maxMs: r.max_ms,
  };
}

function emptyRow(): UsageRowModel {
  return {
    day: null,
    callerKind: null,
    partnerClientId: null,
    partnerClientName: null,
    operation: null,
    calls: 0,
    errors: 0,
    errorRate: 0,
    averageMs: 0,
    p50Ms: 0,
    p95Ms: 0,
    p99Ms: 0,
    maxMs: 0,
  };
}

/**
 * The q-quantile of a histogram: the bucket where the q-th call falls, interpolated linearly
 * within it (the slowest bucket, unbounded, ends at the slowest call seen).
 */
export function percentile(buckets: readonly number[], bounds: readonly number[], maxMs: number, q: number): number {
  const total = buckets.reduce((sum, n) => sum + n, 0);
  if (total === 0) return 0;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    const count = buckets[i]!;
    if (count > 0 && seen + count >= rank) {
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      const upper = Math.min(i < bounds.length ? bounds[i]! : maxMs, Math.max(maxMs, lower));
      return lower + (upper - lower) * ((rank - seen) / count);
    }
    seen += count;
  }
  return maxMs;
}
