import { LogMailer, type Mailer } from '@platform/mail';
import { ConfigurationError, createLogger, type ServiceConfig } from '@platform/service';
import { startSubgraphService } from '@platform/subgraph';
import { startEventRelay } from './events/event-relay';
import { outboxBacklogGauge } from './events/outbox-backlog';
import { publishersSubgraph } from './index';

export interface PublishersOptions {
  /** Where invitation mail goes; by default the log. */
  mailer?: Mailer;
}

export function startPublishers(config: ServiceConfig, port: number, options: PublishersOptions = {}) {
  const log = createLogger('publishers');
  // In production the queues are infrastructure's: the relay delivers where it is told.
  if (config.production && config.events.relay && !(config.events.sqs.queueUrl && config.events.sqs.dlqUrl)) {
    throw new ConfigurationError('SQS_QUEUE_URL and SQS_DLQ_URL must be set when NODE_ENV=production (or EVENTS_RELAY=off)');
  }
  return startSubgraphService(config, port, log, ({ db, metrics }) => {
    outboxBacklogGauge(db, metrics);
    const relay = config.events.relay ? startEventRelay(config.databaseUrl!, config.events, log, metrics) : null;
    return {
      definition: publishersSubgraph({
        db,
        invitations: { mailer: options.mailer ?? new LogMailer(log), acceptUrl: config.links.invitation, log },
        billingWebhookSecret: config.billingWebhookSecret,
        log,
      }),
      close: async () => relay?.stop(),
    };
  });
}
