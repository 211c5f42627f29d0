import { readFileSync } from 'node:fs';
import type { SubgraphDefinition } from '@platform/server';
import { extendContext, type PublishersContext } from './context';
import { publishersRules } from './permissions';
import { resolvers } from './resolvers';

export const publishersTypeDefs = readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

export const publishersSubgraph: SubgraphDefinition<PublishersContext> = {
  name: 'publishers',
  typeDefs: publishersTypeDefs,
  resolvers,
  rules: publishersRules,
  extendContext,
};
