import { DEMO_PASSWORD } from '@platform/demo-data';
import { graphql, login, type GraphQLResponse, type RunningPlatform } from '@platform/testing';
import { measure, report } from './measure';

/** A 100-work page with its writers, straight to the catalog subgraph and through the gateway. */
export async function gatewayCost(platform: RunningPlatform): Promise<void> {
  const ITERATIONS = 300;
  const query = `{ works(first: 100) { totalCount edges { node { id title iswc writers { share songwriter { id name } } } } } }`;
  const session = await login(platform.gatewayUrl, 'owner@spirit.demo', DEMO_PASSWORD);
  const check = (r: GraphQLResponse) => {
    if (r.errors || r.data.works.edges.length !== 100) throw new Error(`unexpected answer: ${JSON.stringify(r.errors)}`);
  };
  const direct = await measure('catalog subgraph, called directly', ITERATIONS, async () =>
    check(await graphql(platform.catalogUrl, query, {}, { token: session.token })),
  );
  const gateway = await measure('through the gateway (plan, forward, verify twice)', ITERATIONS, async () =>
    check(await graphql(platform.gatewayUrl, query, {}, { token: session.token })),
  );
  report(`A page of 100 works with writers, ${ITERATIONS} sequential requests`, 'ms/request', [direct, gateway]);
  for (const r of [direct, gateway]) {
    const seconds = r.samples.reduce((a, b) => a + b, 0) / 1000;
    console.log(`  ${r.name}: ${(r.samples.length / seconds).toFixed(0)} requests/s on one connection`);
  }
}
