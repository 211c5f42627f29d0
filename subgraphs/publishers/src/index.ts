import { readFileSync } from 'node:fs';
import type { SubgraphDefinition } from '@platform/subgraph';
import { publishersContext, type PublishersContext } from './context';
import { publishersRules } from './permissions';
import { resolvers } from './resolvers';
import type { InvitationDelivery } from './invitations/invitations';

export const publishersTypeDefs = readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

export function publishersSubgraph(invitations: InvitationDelivery): SubgraphDefinition<PublishersContext> {
  return {
    name: 'publishers',
    typeDefs: publishersTypeDefs,
    resolvers,
    rules: publishersRules,
    extendContext: publishersContext(invitations),
  };
}
export { publishersRules } from './permissions';
