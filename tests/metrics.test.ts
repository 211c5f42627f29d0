import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_PASSWORD } from '@platform/demo-data';
import { startGatewayService } from '@platform/gateway';
import { graphql, login, serviceConfigForTests, startOwnPlatform, type OwnPlatform } from '@platform/testing';

/** Every service's /metrics after a known workload: the counts it must show, exactly. */

let platform: OwnPlatform;

beforeAll(async () => {
  platform = await startOwnPlatform(inject('clusterAdminUrl'), 'metrics_spec');
});

afterAll(async () => {
  await platform?.stop();
});

async function scrape(graphqlUrl: string, token?: string): Promise<string> {
  const response = await fetch(new URL('/metrics', graphqlUrl), token ? { headers: { authorization: `Bearer ${token}` } } : {});
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
}

/** The value of the one sample of `name` whose labels include `labels` (0 when there is none). */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const matching = text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`)));
  expect(matching.length, `${name} ${JSON.stringify(labels)}: ${matching.join(' | ')}`).toBeLessThanOrEqual(1);
  return matching.length ? Number(matching[0]!.split(' ').at(-1)) : 0;
}

describe('/metrics', () => {
  it('counts requests, errors by code and latency per operation at the gateway and at each subgraph', async () => {
    const gateway = platform.a.gatewayUrl;
    const owner = await login(gateway, 'owner@dmp.demo', DEMO_PASSWORD);
    const viewer = await login(gateway, 'viewer@dmp.demo', DEMO_PASSWORD);
    const before = { gateway: await scrape(gateway), catalog: await scrape(platform.a.catalogUrl) };
    for (let i = 0; i < 3; i++) {
      const page = await graphql(gateway, 'query MetricsWorks { works(first: 5) { totalCount } }', {}, { token: owner.token });
      expect(page.errors).toBeUndefined();
    }
    for (let i = 0; i < 2; i++) {
      const refused = await graphql(
        gateway,
        'mutation MetricsCreate { createWork(input: { title: "No" }) { id } }',
        {},
        { token: viewer.token },
      );
      expect(refused.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    }
    const after = { gateway: await scrape(gateway), catalog: await scrape(platform.a.catalogUrl) };
    const grew = (where: 'gateway' | 'catalog', name: string, labels: Record<string, string>) =>
      sample(after[where], name, labels) - sample(before[where], name, labels);

    expect(grew('gateway', 'graphql_requests_total', { service: 'gateway', operation: 'MetricsWorks', outcome: 'success' })).toBe(3);
    expect(grew('gateway', 'graphql_request_duration_seconds_count', { operation: 'MetricsWorks' })).toBe(3);
    expect(grew('gateway', 'graphql_requests_total', { operation: 'MetricsCreate', outcome: 'error' })).toBe(2);
    expect(grew('gateway', 'graphql_errors_total', { operation: 'MetricsCreate', code: 'FORBIDDEN' })).toBe(2);
    expect(grew('gateway', 'subgraph_requests_total', { subgraph: 'catalog', outcome: 'success' })).toBe(3);
    expect(grew('gateway', 'subgraph_requests_total', { subgraph: 'catalog', outcome: 'error' })).toBe(2);
    // The gateway names its subgraph calls after the client's operation.
    expect(
      grew('catalog', 'graphql_requests_total', { service: 'catalog', operation: 'MetricsWorks__catalog__0', outcome: 'success' }),
    ).toBe(3);
    expect(grew('catalog', 'graphql_errors_total', { operation: 'MetricsCreate__catalog__0', code: 'FORBIDDEN' })).toBe(2);
    // Five requests of two people: each person's access was loaded once, then remembered.
    const lookups =
      grew('catalog', 'access_cache_lookups_total', { result: 'hit' }) + grew('catalog', 'access_cache_lookups_total', { result: 'miss' });
    expect(lookups).toBe(5);
    expect(grew('catalog', 'access_cache_lookups_total', { result: 'miss' })).toBeGreaterThanOrEqual(1);
    expect(sample(after.catalog, 'db_pool_connections', { state: 'max' })).toBe(5);
    expect(sample(after.catalog, 'db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
  });

  it('keeps client-chosen operation names from growing the series without bound', async () => {
    const gateway = platform.b.gatewayUrl;
    const owner = await login(gateway, 'owner@spirit.demo', DEMO_PASSWORD, 'spirit');
    await Promise.all(
      Array.from({ length: 205 }, (_, i) =>
        graphql(gateway, `query Spray${i} { works(first: 1) { totalCount } }`, {}, { token: owner.token }),
      ),
    );
    const text = await scrape(gateway);
    const names = new Set(
      text
        .split('\n')
        .filter((line) => line.startsWith('graphql_requests_total{'))
        .map((line) => /operation="([^"]*)"/.exec(line)![1]),
    );
    // 200 names at most, and "other": each of the 205 calls counted once, under its name or as other.
    expect(names.size).toBeLessThanOrEqual(201);
    const named = [...names].filter((name) => name?.startsWith('Spray')).length;
    const other = sample(text, 'graphql_requests_total', { operation: 'other', outcome: 'success' });
    expect(named).toBeLessThan(200);
    expect(other).toBeGreaterThanOrEqual(5);
    expect(named + other).toBe(205);
  });

  it("reports the outbox's backlog from the publishers service", async () => {
    const owner = await login(platform.a.gatewayUrl, 'owner@spirit.demo', DEMO_PASSWORD, 'spirit');
    await graphql(platform.a.gatewayUrl, 'mutation { createWork(input: { title: "An event" }) { id } }', {}, { token: owner.token });
    const text = await scrape(platform.a.publishersUrl);
    const { rows } = await platform.admin.query(`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`);
    expect(rows[0].n).toBeGreaterThan(0);
    expect(sample(text, 'outbox_backlog', { measure: 'events', service: 'publishers' })).toBe(rows[0].n);
    expect(sample(text, 'outbox_backlog', { measure: 'oldest_age_seconds' })).toBeGreaterThan(0);
  });

  it('answers only the scraper that sends METRICS_TOKEN when one is set', async () => {
    const config = {
      ...serviceConfigForTests({ databaseUrl: platform.urls.apiUrl, dataDir: platform.dataDir }),
      metricsToken: 'scrape-secret',
    };
    const gateway = await startGatewayService(
      { ...config, jwksUrl: new URL('/.well-known/jwks.json', platform.a.identityUrl).toString() },
      0,
      {
        identity: platform.a.identityUrl,
        publishers: platform.a.publishersUrl,
        catalog: platform.a.catalogUrl,
      },
    );
    try {
      expect((await fetch(`${gateway.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${gateway.url}/metrics`, { headers: { authorization: 'Bearer wrong-secret!' } })).status).toBe(401);
      expect(await scrape(`${gateway.url}/graphql`, 'scrape-secret')).toContain('graphql_requests_total');
    } finally {
      await gateway.close();
    }
  });
});
