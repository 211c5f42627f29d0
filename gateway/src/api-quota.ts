import type pg from 'pg';
import { Remembered } from '@platform/access';
import { rateLimitedRequest } from '@platform/graphql-edge';

/** How long an account's count of this month's calls is used before it is read again. */
export const QUOTA_REFRESH_MS = 5_000;

interface MonthToDate {
  calls: number;
  limit: number | null;
}

/**
 * The plan's monthly API-call limit, for partner calls: the count of this month's calls of the
 * caller's account comes from api_usage (what every gateway has written), read again every
 * QUOTA_REFRESH_MS. It is a soft limit: each instance may let through the calls of one refresh
 * and one usage flush beyond it. The first-party apps (people's tokens) are counted but never cut
 * off, so a publisher's staff keep working when its integrations run out.
 */
export class ApiQuota {
  private readonly months = new Remembered<MonthToDate>(QUOTA_REFRESH_MS);

  constructor(private readonly pool: pg.Pool) {}

  /** RATE_LIMITED (HTTP 429, reason API_CALL_LIMIT_REACHED) once the account has used its month's calls. */
  async admit(publisherId: string): Promise<void> {
    const month = await this.months.get(publisherId, () => this.load(publisherId));
    if (month.limit === null || month.calls < month.limit) return;
    throw rateLimitedRequest(
      `This account has made the ${month.limit.toLocaleString('en')} partner API calls its plan allows this month; ` +
        'calls resume on the first of next month (UTC), or sooner on a larger plan',
      secondsToNextMonth(),
      'API_CALL_LIMIT_REACHED',
    );
  }

  private async load(publisherId: string): Promise<MonthToDate> {
    const { rows } = await this.pool.query<{ calls: string; monthly_limit: string | null }>(
      'SELECT calls, monthly_limit FROM app_publisher_api_calls($1::uuid)',
      [publisherId],
    );
    const row = rows[0];
    return { calls: Number(row?.calls ?? 0), limit: row?.monthly_limit == null ? null : Number(row.monthly_limit) };
  }
}

function secondsToNextMonth(now = new Date()): number {
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  return (next - now.getTime()) / 1000;
}
