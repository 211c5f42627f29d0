export { startSubgraph, startSubgraphService, type SubgraphDefinition, type SubgraphRuntime, type SubgraphService } from './subgraph';
