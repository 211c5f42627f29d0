import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_PASSWORD, demoId } from '@platform/demo-data';
import { startCatalog } from '@platform/catalog/start';
import { startGatewayService } from '@platform/gateway';
import type { RunningHttpServer } from '@platform/http';
import {
  graphql,
  login,
  serviceConfigForTests,
  startOwnPlatform,
  type GraphQLResponse,
  type OwnPlatform,
  type Session,
} from '@platform/testing';

/**
 * Fairness between publishers: the gateway's rate limits per user, per publisher and per
 * anonymous address, shared by every gateway instance; and each subgraph's bound on one
 * publisher's concurrent requests. On a platform of this file's own with low limits.
 *
 * The windows are long (10 s) so that every request of a spec falls in one window. Counters are
 * never reset, so each spec spends the budget of its own publishers: songtrust (a user's limit),
 * dmp and spirit (a publisher's limit), sheer (the X-Tenant-ID header).
 */

const LIMITS = { windowSeconds: 10, perUser: 5, perPublisher: 7, perAnonymousAddress: 4, perPartnerKey: 5 };
const ME = '{ me { id } }';

let platform: OwnPlatform;

beforeAll(async () => {
  platform = await startOwnPlatform(inject('clusterAdminUrl'), 'fairness_spec', { rateLimits: LIMITS });
});

afterAll(async () => {
  await platform?.stop();
});

/** Signs in at identity itself: sign-ins through the gateway would spend the anonymous budget. */
const signIn = (email: string, publisher?: string) => login(platform.a.identityUrl, email, DEMO_PASSWORD, publisher);

async function inSequence(count: number, send: () => Promise<GraphQLResponse>): Promise<GraphQLResponse[]> {
  const responses: GraphQLResponse[] = [];
  for (let i = 0; i < count; i += 1) responses.push(await send());
  return responses;
}

const statusesOf = (responses: GraphQLResponse[]) => responses.map((r) => r.status);

function expectRefusedForRate(response: GraphQLResponse, reason: RegExp): void {
  expect(response.status).toBe(429);
  expect(response.data ?? null).toBeNull();
  expect(response.errors).toHaveLength(1);
  expect(response.errors![0]!.extensions?.code).toBe('RATE_LIMITED');
  expect(response.errors![0]!.message).toMatch(reason);
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(LIMITS.windowSeconds);
  expect(response.errors![0]!.extensions?.retryAfterSeconds).toBe(retryAfter);
}

describe('rate limits at the gateway', () => {
  it('refuses a user beyond their limit with HTTP 429, RATE_LIMITED and Retry-After, counted across every gateway instance', async () => {
    const client = await signIn('client@songtrust.demo');
    const viaA = await inSequence(4, () => graphql(platform.a.gatewayUrl, ME, {}, { token: client.token }));
    const viaB = await inSequence(4, () => graphql(platform.b.gatewayUrl, ME, {}, { token: client.token }));
    // Each instance alone would have let all four through.
    expect(statusesOf([...viaA, ...viaB])).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    expect(viaA.every((r) => r.data?.me?.id === client.userId)).toBe(true);
    expectRefusedForRate(viaB[1]!, /your account/);
  });

  it('holds a publisher to its limit across its members, and a member refused for their own rate spends nothing of it', async () => {
    const viewer = await signIn('viewer@dmp.demo');
    const owner = await signIn('owner@dmp.demo');
    const ops = await signIn('ops@dmp.demo', 'dmp');
    const other = await signIn('owner@spirit.demo');
    // The viewer's three refused requests leave dmp's budget at 7 − 5.
    const fromViewer = await inSequence(8, () => graphql(platform.a.gatewayUrl, ME, {}, { token: viewer.token }));
    expect(statusesOf(fromViewer)).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    // The sixth is refused by the full check; the gateway answers the last ones before reading them.
    expectRefusedForRate(fromViewer[5]!, /your account/);
    expectRefusedForRate(fromViewer[7]!, /your account/);
    const fromOwner = await inSequence(3, () => graphql(platform.b.gatewayUrl, ME, {}, { token: owner.token }));
    expect(statusesOf(fromOwner)).toEqual([200, 200, 429]);
    expectRefusedForRate(fromOwner[2]!, /your publisher/);
    const fromOps = await graphql(platform.a.gatewayUrl, ME, {}, { token: ops.token });
    expectRefusedForRate(fromOps, /your publisher/);
    // Another publisher, meanwhile, notices nothing.
    const fromOther = await Promise.all([1, 2, 3].map(() => graphql(platform.a.gatewayUrl, ME, {}, { token: other.token })));
    expect(statusesOf(fromOther)).toEqual([200, 200, 200]);
  });

  it('spends the budget of the publisher the token was issued for, never the one an X-Tenant-ID header names', async () => {
    const outsider = await signIn('owner@songtrust.demo');
    const sheer = demoId('publisher:sheer');
    const probes = await inSequence(5, () =>
      graphql(platform.a.gatewayUrl, ME, {}, { token: outsider.token, headers: { 'x-tenant-id': sheer } }),
    );
    expect(probes.every((r) => r.status === 403 || r.status === 429)).toBe(true);
    const member = await signIn('owner@sheer.demo');
    const fromMember = await inSequence(LIMITS.perUser, () => graphql(platform.a.gatewayUrl, ME, {}, { token: member.token }));
    expect(statusesOf(fromMember)).toEqual(Array(LIMITS.perUser).fill(200));
  });

  it('holds callers without a token to a limit per address, which another address does not share', async () => {
    const from = (address: string) => graphql(platform.a.gatewayUrl, '{ __typename }', {}, { headers: { 'x-forwarded-for': address } });
    const burst = await Promise.all(Array.from({ length: 7 }, () => from('198.51.100.77')));
    expect(burst.filter((r) => r.status === 200)).toHaveLength(LIMITS.perAnonymousAddress);
    const refused = burst.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(3);
    for (const response of refused) expectRefusedForRate(response, /your address/);
    expect((await from('198.51.100.78')).status).toBe(200);
  });
});

describe('one publisher’s share of a subgraph', () => {
  let catalog: RunningHttpServer;
  let gateway: RunningHttpServer;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'platform-lanes-'));
    const jwksUrl = platform.a.identityUrl.replace('/graphql', '/.well-known/jwks.json');
    // A catalog instance that works on one request per publisher and lets one more wait.
    catalog = await startCatalog(
      serviceConfigForTests({ databaseUrl: platform.urls.apiUrl, dataDir, jwksUrl, lanes: { concurrency: 1, queue: 1, waitMs: 10_000 } }),
      0,
    );
    gateway = await startGatewayService(serviceConfigForTests({ databaseUrl: platform.urls.apiUrl, dataDir, jwksUrl }), 0, {
      identity: platform.a.identityUrl,
      publishers: platform.a.publishersUrl,
      catalog: `${catalog.url}/graphql`,
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await catalog?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const PAGE = '{ works(first: 100) { totalCount edges { node { id title writers { share songwriter { name } } } } } }';

  it('refuses a flooding publisher’s requests beyond its share with 429, while another publisher is served at once', async () => {
    const flooder: Session = await signIn('owner@dmp.demo');
    const other: Session = await signIn('owner@sheer.demo');
    const send = (session: Session) => graphql(`${gateway.url}/graphql`, PAGE, {}, { token: session.token });
    const flood = Array.from({ length: 8 }, () => send(flooder));
    // Sent while the flood holds dmp's one turn and its one place in the queue.
    const others = await Promise.all([send(other), send(other)]);
    const flooded = await Promise.all(flood);

    for (const response of others) {
      expect(response.status).toBe(200);
      expect(response.data.works.totalCount).toBe(200);
    }
    const served = flooded.filter((r) => r.status === 200);
    const refused = flooded.filter((r) => r.status !== 200);
    expect(served.length).toBeGreaterThanOrEqual(1);
    expect(served.every((r) => r.data.works.totalCount === 300)).toBe(true);
    expect(refused.length).toBeGreaterThanOrEqual(4);
    for (const response of refused) {
      expect(response.status).toBe(429);
      expect(response.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      expect(response.errors?.[0]?.message).toMatch(/your publisher are in progress/);
      expect(response.headers.get('retry-after')).toBe('1');
    }
    // Every turn was given back: the publisher is served again as soon as its flood is over.
    expect((await send(flooder)).status).toBe(200);
  });
});
