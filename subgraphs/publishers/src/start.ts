import { createLogger, LogMailer, startSubgraphService, type Mailer, type ServiceConfig } from '@platform/server';
import { publishersSubgraph } from './index';

export interface PublishersOptions {
  env?: NodeJS.ProcessEnv;
  /** Where invitation mail goes; by default the log. */
  mailer?: Mailer;
}

export function startPublishers(config: ServiceConfig, port: number, options: PublishersOptions = {}) {
  const env = options.env ?? process.env;
  const log = createLogger('publishers');
  return startSubgraphService(config, port, log, () => ({
    definition: publishersSubgraph({
      mailer: options.mailer ?? new LogMailer(log),
      acceptUrl: env.INVITATION_URL ?? 'http://localhost:3000/accept-invitation',
    }),
  }));
}
