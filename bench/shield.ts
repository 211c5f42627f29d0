import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import { parse } from 'graphql';
import { AccessTokenVerifier, DEFAULT_TOKEN_SETTINGS } from '@platform/auth';
import { catalogSubgraph } from '@platform/catalog';
import { startCatalog } from '@platform/catalog/start';
import { createPrismaClient, ScopedDatabase } from '@platform/db';
import { DEMO_PASSWORD } from '@platform/demo-data';
import { createContextBuilder, PublisherLanes, type RequestContext } from '@platform/access';
import { serveGraphQL } from '@platform/http';
import { createLogger } from '@platform/service';
import { graphql, login, serviceConfigForTests, type GraphQLResponse, type RunningPlatform } from '@platform/testing';
import { measure, report } from './measure';

/**
 * What graphql-shield costs: the same catalog subgraph, same database, same query (a page of 100
 * works with their writers), once with every rule applied and once with no rules at all.
 * Target: the rules cost at most 25%.
 */
export async function shieldCost(apiUrl: string, platform: RunningPlatform): Promise<void> {
  const ITERATIONS = 300;
  const query = `{ works(first: 100) { totalCount edges { node { id title iswc createdAt writers { share songwriter { id name ipi } } } } } }`;
  const session = await login(platform.gatewayUrl, 'owner@dmp.demo', DEMO_PASSWORD);
  const jwksUrl = platform.identityUrl.replace('/graphql', '/.well-known/jwks.json');
  const tokens = DEFAULT_TOKEN_SETTINGS;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-shield-'));
  const log = createLogger('bench');

  const protectedCatalog = await startCatalog(serviceConfigForTests({ databaseUrl: apiUrl, jwksUrl, dataDir }), 0);
  const db = new ScopedDatabase(createPrismaClient(apiUrl, { poolSize: 5 }));
  // Built once, as startSubgraph does: one verifier (its JWKS cache) and one access cache.
  const buildContext = createContextBuilder({
    db,
    verifier: AccessTokenVerifier.fromJwksUrl(jwksUrl, tokens),
    log,
    trustedProxies: new Set(),
    lanes: new PublisherLanes({ concurrency: 5, queue: 10_000, waitMs: 60_000 }),
  });
  const unprotected = await serveGraphQL({
    apollo: new ApolloServer({
      schema: buildSubgraphSchema([
        { typeDefs: parse(catalogSubgraph.typeDefs), resolvers: catalogSubgraph.resolvers as GraphQLResolverMap<unknown> },
      ]),
      plugins: [ApolloServerPluginInlineTraceDisabled()],
    }),
    port: 0,
    log,
    context: async (req, whenDone) => catalogSubgraph.extendContext!((await buildContext(req, whenDone)) as RequestContext),
  });
  try {
    const check = (r: GraphQLResponse) => {
      if (r.errors || r.data.works.edges.length !== 100) throw new Error(`unexpected answer: ${JSON.stringify(r.errors)}`);
    };
    // Alternate the two so that neither gets a warmer machine.
    const without = await measure('catalog subgraph without rules', ITERATIONS, async () =>
      check(await graphql(`${unprotected.url}/graphql`, query, {}, { token: session.token })),
    );
    const withRules = await measure('catalog subgraph with its graphql-shield rules', ITERATIONS, async () =>
      check(await graphql(`${protectedCatalog.url}/graphql`, query, {}, { token: session.token })),
    );
    const without2 = await measure('catalog subgraph without rules (again)', ITERATIONS, async () =>
      check(await graphql(`${unprotected.url}/graphql`, query, {}, { token: session.token })),
    );
    report(`graphql-shield on a page of 100 works with writers, ${ITERATIONS} sequential requests`, 'ms/request', [
      without,
      withRules,
      without2,
    ]);
  } finally {
    await unprotected.close();
    await protectedCatalog.close();
    await db.disconnect();
    await rm(dataDir, { recursive: true, force: true });
  }
}
