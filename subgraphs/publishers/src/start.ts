import { LogMailer, type Mailer } from '@platform/mail';
import { createLogger, type ServiceConfig } from '@platform/service';
import { startSubgraphService } from '@platform/subgraph';
import { publishersSubgraph } from './index';
import { outboxBacklogGauge } from './outbox-backlog';

export interface PublishersOptions {
  /** Where invitation mail goes; by default the log. */
  mailer?: Mailer;
}

export function startPublishers(config: ServiceConfig, port: number, options: PublishersOptions = {}) {
  const log = createLogger('publishers');
  return startSubgraphService(config, port, log, ({ db, metrics }) => {
    outboxBacklogGauge(db, metrics);
    return {
      definition: publishersSubgraph({
        db,
        invitations: { mailer: options.mailer ?? new LogMailer(log), acceptUrl: config.links.invitation, log },
        billingWebhookSecret: config.billingWebhookSecret,
        log,
      }),
    };
  });
}
