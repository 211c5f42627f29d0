import { createLogger, startSubgraphService, type ServiceConfig } from '@platform/server';
import { catalogSubgraph } from './index';

export function startCatalog(config: ServiceConfig, port: number) {
  return startSubgraphService(config, port, createLogger('catalog'), () => ({ definition: catalogSubgraph }));
}
