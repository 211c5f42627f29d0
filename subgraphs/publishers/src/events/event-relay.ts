import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureEventQueues, eventQueueClient } from '@platform/events/queue';
import type { ServiceMetrics } from '@platform/metrics';
import type { EventSettings, Logger } from '@platform/service';
import { OUTBOX_BACKLOG_SQL, type OutboxBacklog } from './outbox-backlog';
import { backoff, OutboxRelay } from './outbox-relay';

const readBacklog = (pool: pg.Pool) => pool.query<OutboxBacklog>(OUTBOX_BACKLOG_SQL).then(({ rows }) => rows[0]!);

/**
 * What `pnpm start` prints on exit: the relay's deliveries and what waits in the outbox. On Ctrl-C
 * PostgreSQL stops beside the services, so the outbox as last read (every 5 s) stands in.
 */
async function stoppingReport(pool: pg.Pool, relay: OutboxRelay, last: { backlog: OutboxBacklog | null; at: number }) {
  const done = relay.summary();
  const fresh = await readBacklog(pool).catch(() => null);
  const waiting = fresh ?? last.backlog;
  const asOf = fresh ? '' : ` as of ${Math.round((Date.now() - last.at) / 1000)} s before`;
  return {
    fields: done,
    line:
      `events: relay stopped: ${done.delivered} delivered (${done.perSecond}/s), ${done.refused} refused, ` +
      (waiting
        ? `${waiting.unpublished} waiting (oldest ${Math.round(waiting.oldest_age_seconds)} s), ${waiting.parked} dead letters${asOf}`
        : 'the outbox could not be read'),
  };
}

export interface RunningRelay {
  stop(): Promise<void>;
}

/**
 * The publishers service's relay: its own two connections, the queues (created at the endpoint
 * when none is named; retried until SQS answers, so the service starts while SQS is down), the
 * delivery metrics, and a line in the log on stop with what it delivered.
 */
export function startEventRelay(databaseUrl: string, settings: EventSettings, log: Logger, metrics: ServiceMetrics): RunningRelay {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2, application_name: 'outbox-relay' });
  pool.on('error', (error) => log.warn({ err: error.message }, 'events: a relay connection failed'));
  const sqs = eventQueueClient(settings.sqs);
  const delivered = metrics.counter('events_delivered_total', 'Events SQS accepted from this relay', []);
  const refused = metrics.counter('events_refused_total', 'Events SQS refused (each refusal; parked ones included)', []);
  const parked = metrics.counter('events_parked_total', 'Events parked as dead letters after their last refusal', []);
  const latency = metrics.histogram('events_delivery_seconds', "From an event's commit to SQS accepting it", []);
  let relay: OutboxRelay | null = null;
  let stopped = false;
  const last: { backlog: OutboxBacklog | null; at: number } = { backlog: null, at: 0 };
  const watch = setInterval(() => {
    readBacklog(pool).then(
      (backlog) => Object.assign(last, { backlog, at: Date.now() }),
      () => undefined,
    );
  }, 5_000);
  watch.unref();

  const starting = (async () => {
    for (let attempt = 1; !stopped; attempt++) {
      try {
        const queues = await ensureEventQueues(sqs, settings.sqs);
        relay = new OutboxRelay({
          pool,
          sqs,
          ...queues,
          log,
          pollMs: settings.pollMs,
          maxAttempts: settings.maxAttempts,
          backoffMaxMs: settings.backoffMaxMs,
          retentionDays: settings.retentionDays,
          onRound: (round) => {
            delivered.inc(round.delivered);
            refused.inc(round.refused);
            parked.inc(round.parked);
            for (const ms of round.latenciesMs) latency.observe(ms / 1000);
          },
        });
        relay.start();
        log.info({ queueUrl: queues.queueUrl }, 'events: relay delivering to SQS');
        return;
      } catch (error) {
        if (attempt === 1) log.warn({ err: (error as Error).message }, 'events: SQS does not answer yet; events wait in the outbox');
        await sleep(backoff(attempt, settings.backoffMaxMs));
      }
    }
  })();

  return {
    async stop() {
      stopped = true;
      clearInterval(watch);
      await starting;
      if (relay) {
        await relay.stop();
        const report = await stoppingReport(pool, relay, last);
        log.info(report.fields, report.line);
      }
      sqs.destroy();
      await pool.end();
    },
  };
}
