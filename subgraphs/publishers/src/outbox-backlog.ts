import type { ScopedDatabase } from '@platform/db';
import type { ServiceMetrics } from '@platform/metrics';

/**
 * The outbox's lag, read at each scrape: events not yet delivered and the age of the oldest.
 * One service reports it (publishers), so that the platform's dashboards count it once.
 */
export function outboxBacklogGauge(db: ScopedDatabase, metrics: ServiceMetrics): void {
  metrics.gauge(
    'outbox_backlog',
    'Domain events in the outbox not yet delivered (events), and the age of the oldest (seconds)',
    ['measure'],
    async (gauge) => {
      const [backlog] = await db.withScope(
        {},
        (tx) => tx.$queryRaw<[{ unpublished: bigint; oldest_age_seconds: number }]>`SELECT * FROM app_outbox_backlog()`,
      );
      gauge.set({ measure: 'events' }, Number(backlog.unpublished));
      gauge.set({ measure: 'oldest_age_seconds' }, backlog.oldest_age_seconds);
    },
  );
}
