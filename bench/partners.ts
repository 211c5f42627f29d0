import { createHash } from 'node:crypto';
import { DEMO_PASSWORD } from '@platform/demo-data';
import { startGatewayService } from '@platform/gateway';
import { graphql, login, serviceConfigForTests, type RunningPlatform, type Session } from '@platform/testing';
import { measure, percentile, report } from './measure';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function register(url: string, session: Session, operations: { name: string; body: string }[]): Promise<void> {
  const manifest = {
    format: 'apollo-persisted-query-manifest',
    version: 1,
    operations: operations.map((o) => ({ id: sha256(o.body), name: o.name, type: 'query', body: o.body })),
  };
  const result = await graphql(
    url,
    'mutation($m: PersistedQueryManifestInput!) { registerPersistedQueries(manifest: $m) { version } }',
    { m: manifest },
    { token: session.token },
  );
  if (!result.data) throw new Error(JSON.stringify(result.errors));
}

async function callById(url: string, key: string, body: string): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256(body) } } }),
  });
  const answer = (await response.json()) as { errors?: unknown };
  if (response.status !== 200 || answer.errors) throw new Error(`partner call failed: ${JSON.stringify(answer).slice(0, 300)}`);
}

/**
 * A partner's call by id against the same operation sent as text with a person's token, through
 * the same gateway; then a partner's first call to an operation whose plan the gateway warmed at
 * start, against one registered after the gateway started (planned on that first call).
 */
export async function partnerCallCost(platform: RunningPlatform, apiUrl: string, dataDir: string): Promise<void> {
  const ITERATIONS = 300;
  const owner = await login(platform.gatewayUrl, 'owner@spirit.demo', DEMO_PASSWORD);
  const created = await graphql(
    platform.gatewayUrl,
    'mutation { createPartnerClient(input: { name: "Bench partner", permissions: ["work:read"] }) { apiKey } }',
    {},
    { token: owner.token },
  );
  const key: string = created.data.createPartnerClient.apiKey;
  const body = 'query BenchWorks { works(first: 20) { totalCount edges { node { id title iswc } } } }';
  await register(platform.gatewayUrl, owner, [{ name: 'BenchWorks', body }]);
  const plain = await measure('query text with a person’s token', ITERATIONS, async () => {
    const r = await graphql(platform.gatewayUrl, body, {}, { token: owner.token });
    if (r.errors) throw new Error(JSON.stringify(r.errors));
  });
  const partner = await measure('registered id with a partner key', ITERATIONS, () => callById(platform.gatewayUrl, key, body));
  report(`20 works through one gateway, ${ITERATIONS} sequential requests`, 'ms/request', [plain, partner]);

  const ROUNDS = 5;
  const warmed: number[] = [];
  const cold: number[] = [];
  const hundredth: number[] = [];
  const config = serviceConfigForTests({ databaseUrl: apiUrl, dataDir });
  for (let round = 0; round < ROUNDS; round += 1) {
    // Fresh documents each round, so that no plan is cached from an earlier one.
    // Across all three subgraphs, so that planning has something to do.
    const across = (first: number) =>
      `works(first: ${first}) { totalCount edges { node { id title iswc createdAt publisher { id slug name type } createdBy { id displayName } writers { share songwriter { id name } } } } }`;
    const before = `query BenchBefore${round} { ${across(30 + round)} }`;
    const after = `query BenchAfter${round} { ${across(40 + round)} }`;
    await register(platform.gatewayUrl, owner, [
      { name: 'BenchWorks', body },
      { name: `BenchBefore${round}`, body: before },
    ]);
    const gateway = await startGatewayService({ ...config, jwksUrl: new URL('/.well-known/jwks.json', platform.identityUrl).href }, 0, {
      identity: platform.identityUrl,
      publishers: platform.publishersUrl,
      catalog: platform.catalogUrl,
    });
    const url = `${gateway.url}/graphql`;
    try {
      // The key check, the list, the process's JIT and its connections, outside both timings.
      for (let i = 0; i < 100; i += 1) await callById(url, key, body);
      let started = performance.now();
      await callById(url, key, before);
      warmed.push(performance.now() - started);
      await register(platform.gatewayUrl, owner, [
        { name: 'BenchWorks', body },
        { name: `BenchBefore${round}`, body: before },
        { name: `BenchAfter${round}`, body: after },
      ]);
      await new Promise((resolve) => setTimeout(resolve, 1_100)); // the new list is in force
      await callById(url, key, body);
      started = performance.now();
      await callById(url, key, after);
      cold.push(performance.now() - started);
      for (let i = 0; i < 98; i += 1) await callById(url, key, after);
      started = performance.now();
      await callById(url, key, after);
      hundredth.push(performance.now() - started);
    } finally {
      await gateway.close();
    }
  }
  report(`A partner's first call after a gateway starts (${ROUNDS} gateways, median of the rounds)`, 'ms/call', [
    { name: 'hundredth call (plan cached)', samples: hundredth },
    { name: 'first call, plan warmed at start', samples: warmed },
    { name: 'first call, registered after start (planned then)', samples: cold },
  ]);
  console.log(`  first call warmed / hundredth: ${(percentile(warmed, 50) / percentile(hundredth, 50)).toFixed(2)}×`);
}
