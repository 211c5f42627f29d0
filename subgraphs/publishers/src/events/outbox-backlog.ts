import type { ScopedDatabase } from '@platform/db';
import type { ServiceMetrics } from '@platform/metrics';

/** The outbox's lag and dead letters across every publisher, through the owner's two functions. */
export const OUTBOX_BACKLOG_SQL = 'SELECT * FROM app_outbox_backlog(), app_outbox_dead_letter_counts()';

export interface OutboxBacklog {
  unpublished: bigint | string;
  oldest_age_seconds: number;
  parked: bigint | string;
  unsent: bigint | string;
}

/**
 * The outbox's lag, read at each scrape: events not yet delivered, the age of the oldest, and the
 * dead letters (and those the dead-letter queue has not heard of yet). One service reports them
 * (publishers), so that the platform's dashboards count them once.
 */
export function outboxBacklogGauge(db: ScopedDatabase, metrics: ServiceMetrics): void {
  metrics.gauge(
    'outbox_backlog',
    'Domain events in the outbox not yet delivered (events), the age of the oldest (seconds), and dead letters (parked; unsent: not yet on the dead-letter queue)',
    ['measure'],
    async (gauge) => {
      const [backlog] = await db.withScope({}, (tx) => tx.$queryRawUnsafe<[OutboxBacklog]>(OUTBOX_BACKLOG_SQL));
      gauge.set({ measure: 'events' }, Number(backlog.unpublished));
      gauge.set({ measure: 'oldest_age_seconds' }, backlog.oldest_age_seconds);
      gauge.set({ measure: 'dead_letters' }, Number(backlog.parked));
      gauge.set({ measure: 'dead_letters_unsent' }, Number(backlog.unsent));
    },
  );
}
