export { startGateway, type GatewayOptions } from './gateway';
export { composeSupergraph, readSupergraph, SUBGRAPHS, SUPERGRAPH_FILE, type SubgraphName } from './supergraph';
export { startGatewayService } from './start';
export { LATENCY_BOUNDS_MS } from './api-usage';
