import { readFileSync } from 'node:fs';
import type { SubgraphDefinition } from '@platform/subgraph';
import { extendContext, type CatalogContext } from './context';
import { catalogRules } from './permissions';
import { resolvers } from './resolvers';

export const catalogTypeDefs = readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

export const catalogSubgraph: SubgraphDefinition<CatalogContext> = {
  name: 'catalog',
  typeDefs: catalogTypeDefs,
  resolvers,
  rules: catalogRules,
  extendContext,
};
export { catalogRules } from './permissions';
