import { createLogger, startSubgraphService, type ServiceConfig } from '@platform/server';
import { publishersSubgraph } from './index';

export function startPublishers(config: ServiceConfig, port: number) {
  return startSubgraphService(config, port, createLogger('publishers'), () => ({ definition: publishersSubgraph }));
}
