import { readFileSync } from 'node:fs';
import type { SubgraphDefinition } from '@platform/subgraph';
import { identityContext, type IdentityContext, type IdentityDependencies } from './context';
import { identityRules } from './permissions';
import { resolvers } from './resolvers';

export const identityTypeDefs = readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

export function identitySubgraph(deps: IdentityDependencies): SubgraphDefinition<IdentityContext> {
  return {
    name: 'identity',
    typeDefs: identityTypeDefs,
    resolvers,
    rules: identityRules,
    extendContext: identityContext(deps),
    routes: {
      // Verifiers (gateway, subgraphs) fetch and cache this to check token signatures.
      '/.well-known/jwks.json': async () => ({
        status: 200,
        body: await deps.keys.jwks(),
        headers: { 'cache-control': 'public, max-age=60' },
      }),
    },
  };
}

export type { IdentityDependencies };
export { identityRules } from './permissions';
