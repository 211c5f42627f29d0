export {
  startSubgraph,
  startSubgraphService,
  type AuthenticatedRoute,
  type SubgraphDefinition,
  type SubgraphRuntime,
  type SubgraphService,
} from './subgraph';
