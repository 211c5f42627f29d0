import { createLogger, type ServiceConfig } from '@platform/service';
import { startSubgraphService } from '@platform/subgraph';
import { catalogSubgraph } from './index';

/** `onQuery` hears every SQL statement the service sends (specs and benchmarks count them). */
export function startCatalog(config: ServiceConfig, port: number, options: { onQuery?: (sql: string) => void } = {}) {
  return startSubgraphService(config, port, createLogger('catalog'), () => ({ definition: catalogSubgraph }), options);
}
