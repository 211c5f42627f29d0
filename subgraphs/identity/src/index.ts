import { readFileSync } from 'node:fs';
import type { ScopedDatabase } from '@platform/db';
import type { SubgraphDefinition } from '@platform/server';
import { identityContext, type IdentityContext, type Signing } from './context';
import { identityRules } from './permissions';
import { resolvers } from './resolvers';

export const identityTypeDefs = readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

export function identitySubgraph(db: ScopedDatabase, signing: Signing): SubgraphDefinition<IdentityContext> {
  return {
    name: 'identity',
    typeDefs: identityTypeDefs,
    resolvers,
    rules: identityRules,
    extendContext: identityContext(db, signing),
    routes: {
      // Verifiers (gateway, subgraphs) fetch and cache this to check token signatures.
      '/.well-known/jwks.json': () => ({
        status: 200,
        body: { keys: [signing.key.publicJwk] },
        headers: { 'cache-control': 'public, max-age=300' },
      }),
    },
  };
}

export type { Signing };
