import { createLogger, type ServiceConfig } from '@platform/service';
import { startSubgraphService } from '@platform/subgraph';
import { catalogSubgraph } from './index';

export function startCatalog(config: ServiceConfig, port: number) {
  return startSubgraphService(config, port, createLogger('catalog'), () => ({ definition: catalogSubgraph }));
}
