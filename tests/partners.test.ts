import path from 'node:path';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { generatePersistedQueryManifest, type PersistedQueryManifest } from '@apollo/generate-persisted-query-manifest';
import { generatePersistedQueryIdsFromManifest } from '@apollo/persisted-query-lists';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_PASSWORD, demoId } from '@platform/demo-data';
import { startGatewayService } from '@platform/gateway';
import { codesOf, graphql, login, serviceConfigForTests, startOwnPlatform, type OwnPlatform, type Session } from '@platform/testing';

// A platform of this file's own (two instances on one database): keys, lists and revocations
// here must not reach other specs, and "everywhere" needs more than one gateway.
let platform: OwnPlatform;
let gateway: string;
let owner: Session;
let manifest: PersistedQueryManifest;

const CREATE_CLIENT = `mutation($input: CreatePartnerClientInput!) {
  createPartnerClient(input: $input) { apiKey client { id name permissions mode keyHint expiresAt revokedAt createdBy { email } } }
}`;
const REGISTER = `mutation($manifest: PersistedQueryManifestInput!) {
  registerPersistedQueries(manifest: $manifest) { version operations added removed }
}`;

async function createClient(session: Session, input: Record<string, unknown>, url = gateway) {
  return graphql(url, CREATE_CLIENT, { input }, { token: session.token });
}

async function newKey(input: Record<string, unknown>): Promise<{ key: string; id: string }> {
  const created = await createClient(owner, input);
  if (!created.data) throw new Error(JSON.stringify(created.errors));
  return { key: created.data.createPartnerClient.apiKey, id: created.data.createPartnerClient.client.id };
}

const idOf = (name: string) => manifest.operations.find((o) => o.name === name)!.id;

/** A partner call as a partner sends it: the key and an operation id, no query text. */
async function callById(
  key: string,
  id: string,
  variables: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
  url = gateway,
) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ variables, extensions: { persistedQuery: { version: 1, sha256Hash: id } }, ...extra }),
  });
  const body = (await response.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    ...body,
    codes: body.errors?.map((e) => e.extensions?.code) ?? [],
  };
}

beforeAll(async () => {
  platform = await startOwnPlatform(inject('clusterAdminUrl'), 'partners_spec');
  gateway = platform.a.gatewayUrl;
  owner = await login(gateway, 'owner@dmp.demo', DEMO_PASSWORD);
  manifest = await generatePersistedQueryManifest(
    { documents: [path.join(import.meta.dirname, 'partner-operations/*.graphql')] },
    undefined,
  );
  const registered = await graphql(gateway, REGISTER, { manifest }, { token: owner.token });
  expect(registered.data?.registerPersistedQueries).toEqual({ version: 1, operations: 5, added: 5, removed: 0 });
});

afterAll(async () => {
  await platform?.stop();
});

describe('partner clients', () => {
  it('returns a prefixed key once and keeps only what identifies it', async () => {
    const created = await createClient(owner, { name: 'Key shape', permissions: ['work:read'] });
    const { apiKey, client } = created.data.createPartnerClient;
    expect(apiKey).toMatch(/^pk_live_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    expect(apiKey.slice(8, 40)).toBe(client.id.replaceAll('-', ''));
    expect(client).toMatchObject({
      name: 'Key shape',
      permissions: ['work:read'],
      mode: 'ENFORCE',
      keyHint: apiKey.slice(-4),
      createdBy: { email: 'owner@dmp.demo' },
    });
    const stored = await platform.admin.query('SELECT key_hash FROM partner_clients WHERE id = $1', [client.id]);
    const secret = apiKey.slice(41);
    expect(Buffer.from(stored.rows[0].key_hash).equals(createHash('sha256').update(secret).digest())).toBe(true);
    const listed = await graphql(gateway, '{ partnerClients { id name keyHint } }', {}, { token: owner.token });
    expect(JSON.stringify(listed)).not.toContain(secret);
  });

  it('refuses bad input field by field, and saves nothing', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: ' ', permissions: ['work:read'] }, 'name'],
      [{ name: 'x'.repeat(101), permissions: ['work:read'] }, 'name'],
      [{ name: 'No permissions', permissions: [] }, 'permissions'],
      [{ name: 'Unknown', permissions: ['work:fly'] }, 'permissions'],
      [{ name: 'Manager', permissions: ['partner:manage'] }, 'permissions'],
      [{ name: 'Past', permissions: ['work:read'], expiresAt: '2020-01-01T00:00:00Z' }, 'expiresAt'],
      [{ name: 'Key shape', permissions: ['work:read'] }, 'name'],
    ];
    const before = await platform.admin.query('SELECT count(*) FROM partner_clients');
    for (const [input, field] of cases) {
      const refused = await createClient(owner, input);
      expect(codesOf(refused), JSON.stringify(input)).toEqual(['BAD_USER_INPUT']);
      expect(refused.errors?.[0]?.extensions?.field).toBe(field);
    }
    expect((await platform.admin.query('SELECT count(*) FROM partner_clients')).rows).toEqual(before.rows);
  });

  it('gives a key no permission its creator lacks, and lets only holders of partner:manage issue keys', async () => {
    const viewer = await login(gateway, 'viewer@dmp.demo', DEMO_PASSWORD);
    expect(codesOf(await createClient(viewer, { name: 'Viewer key', permissions: ['work:read'] }))).toEqual(['FORBIDDEN']);
    const admin = await login(gateway, 'ops@dmp.demo', DEMO_PASSWORD, 'dmp');
    const beyond = await createClient(admin, { name: 'Billing key', permissions: ['work:read', 'billing:manage'] });
    expect(codesOf(beyond)).toEqual(['FORBIDDEN']);
    expect(beyond.errors?.[0]?.message).toContain('"billing:manage"');
  });

  it('creates two clients of one name at once only once', async () => {
    const results = await Promise.all([1, 2, 3].map(() => createClient(owner, { name: 'Raced', permissions: ['work:read'] })));
    expect(results.filter((r) => r.data?.createPartnerClient).length).toBe(1);
    expect(results.flatMap(codesOf)).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT']);
  });
});

describe('calling by id', () => {
  let distributor: { key: string; id: string };
  beforeAll(async () => {
    distributor = await newKey({ name: 'Distributor', permissions: ['work:read', 'work:write'] });
  });

  it('runs registered operations for a real Apollo Client with the persisted-queries link, sending ids only', async () => {
    const sent: string[] = [];
    const client = new ApolloClient({
      cache: new InMemoryCache(),
      link: new PersistedQueryLink(generatePersistedQueryIdsFromManifest({ loadManifest: () => manifest })).concat(
        new HttpLink({
          uri: gateway,
          headers: { authorization: `Bearer ${distributor.key}` },
          fetch: async (input, init) => {
            sent.push(String(init?.body));
            return fetch(input, init);
          },
        }),
      ),
    });
    const document = gql(manifest.operations.find((o) => o.name === 'PartnerWorks')!.body);
    const { data } = await client.query<{ works: { totalCount: number; edges: { node: { id: string } }[] } }>({
      query: document,
      variables: { first: 3 },
    });
    expect(data?.works.totalCount).toBeGreaterThan(0);
    expect(data?.works.edges).toHaveLength(3);
    const created = await client.mutate<{ createWork: { title: string } }>({
      mutation: gql(manifest.operations.find((o) => o.name === 'PartnerCreateWork')!.body),
      variables: { input: { title: 'Sent by a partner' } },
    });
    expect(created.data?.createWork.title).toBe('Sent by a partner');
    expect(sent).toHaveLength(2);
    for (const body of sent) {
      expect(JSON.parse(body)).not.toHaveProperty('query');
      expect(JSON.parse(body).extensions.persistedQuery.sha256Hash).toMatch(/^[0-9a-f]{64}$/);
    }
    // The change is the partner's, recorded as made on behalf of the key's creator.
    const audit = await platform.admin.query(
      "SELECT actor_user_id FROM audit_log WHERE action = 'work.created' AND data->>'title' = 'Sent by a partner'",
    );
    expect(audit.rows).toEqual([{ actor_user_id: owner.userId }]);
  });

  it('also takes the key in X-Api-Key', async () => {
    const response = await fetch(gateway, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': distributor.key },
      body: JSON.stringify({ variables: { first: 1 }, extensions: { persistedQuery: { version: 1, sha256Hash: idOf('PartnerWorks') } } }),
    });
    expect(((await response.json()) as any).data.works.edges).toHaveLength(1);
  });

  it('refuses unknown ids, tampered texts and texts sent instead of ids', async () => {
    const unknown = await callById(distributor.key, 'f'.repeat(64));
    expect(unknown).toMatchObject({ status: 400, codes: ['PERSISTED_QUERY_NOT_IN_LIST'] });
    const tampered = await callById(
      distributor.key,
      idOf('PartnerWorks'),
      {},
      { query: '{ works(first: 100) { edges { node { id title iswc } } } }' },
    );
    expect(tampered).toMatchObject({ status: 400, codes: ['PERSISTED_QUERY_NOT_IN_LIST'] });
    const text = await graphql(gateway, '{ works(first: 1) { totalCount } }', {}, { token: distributor.key });
    expect(text.status).toBe(400);
    expect(codesOf(text)).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
  });

  it('refuses a manifest whose body was edited after it was generated', async () => {
    const edited = {
      ...manifest,
      operations: manifest.operations.map((o, i) => (i === 0 ? { ...o, body: o.body.replace('title', 'iswc') } : o)),
    };
    const refused = await graphql(gateway, REGISTER, { manifest: edited }, { token: owner.token });
    expect(codesOf(refused)).toEqual(['BAD_USER_INPUT']);
    expect(refused.errors?.[0]?.message).toContain('does not hash to its id');
  });

  it("answers another publisher's objects as null and its operations as not on the list", async () => {
    const spiritWork = await callById(distributor.key, idOf('PartnerWork'), { id: demoId('work:spirit:0') });
    expect(spiritWork.data).toEqual({ work: null });
    const spirit = await login(gateway, 'owner@spirit.demo', DEMO_PASSWORD);
    const spiritOnly = {
      format: 'apollo-persisted-query-manifest',
      version: 1,
      operations: [{ id: 'spirit-count', name: 'SpiritCount', type: 'query', body: 'query SpiritCount { works { totalCount } }' }],
    };
    expect(
      (await graphql(gateway, REGISTER, { manifest: spiritOnly }, { token: spirit.token })).data.registerPersistedQueries.version,
    ).toBe(1);
    expect(await callById(distributor.key, 'spirit-count')).toMatchObject({ status: 400, codes: ['PERSISTED_QUERY_NOT_IN_LIST'] });
    // Nor does Spirit see DMP's clients or lists, or reach them by id.
    const seen = await graphql(
      gateway,
      '{ partnerClients { name } persistedQueries { version operations { name } } }',
      {},
      { token: spirit.token },
    );
    expect(seen.data).toEqual({ partnerClients: [], persistedQueries: { version: 1, operations: [{ name: 'SpiritCount' }] } });
    const revoke = await graphql(
      gateway,
      'mutation($id: ID!) { revokePartnerClient(id: $id) { id } }',
      { id: distributor.id },
      { token: spirit.token },
    );
    expect(codesOf(revoke)).toEqual(['NOT_FOUND']);
  });

  it('refuses what the key was not given, and everything of a person', async () => {
    const members = await callById(distributor.key, idOf('PartnerMembers'));
    expect(members.codes).toEqual(['FORBIDDEN']);
    const me = await callById(distributor.key, idOf('PartnerMe'));
    expect(me.codes).toEqual(['FORBIDDEN']);
    const withTenant = await fetch(gateway, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${distributor.key}`,
        'x-tenant-id': demoId('publisher:spirit'),
      },
      body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: idOf('PartnerWorks') } } }),
    });
    expect(withTenant.status).toBe(403);
  });

  it('loses what its creator loses', async () => {
    const admin = await login(gateway, 'ops@dmp.demo', DEMO_PASSWORD, 'dmp');
    const created = await createClient(admin, { name: 'Ops key', permissions: ['work:read'] });
    const key = created.data.createPartnerClient.apiKey;
    expect((await callById(key, idOf('PartnerWorks'), { first: 1 })).data.works.edges).toHaveLength(1);
    await platform.admin.query("UPDATE user_publishers SET status = 'SUSPENDED' WHERE user_id = $1 AND publisher_id = $2", [
      admin.userId,
      demoId('publisher:dmp'),
    ]);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect((await callById(key, idOf('PartnerWorks'), { first: 1 })).codes).toEqual(['FORBIDDEN']);
    } finally {
      await platform.admin.query("UPDATE user_publishers SET status = 'ACTIVE' WHERE user_id = $1 AND publisher_id = $2", [
        admin.userId,
        demoId('publisher:dmp'),
      ]);
    }
  });

  it('counts calls per operation for the client', async () => {
    const query = `{ partnerClients { name lastUsedAt usage { operation calls errors averageMs } } }`;
    let distributorUsage: any;
    // The gateway writes its counts every two seconds.
    const counted = () => distributorUsage?.usage.some((u: any) => u.operation === 'PartnerMembers') && distributorUsage.usage.length >= 3;
    for (let tries = 0; tries < 30 && !counted(); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const listed = await graphql(gateway, query, {}, { token: owner.token });
      distributorUsage = listed.data.partnerClients.find((c: any) => c.name === 'Distributor');
    }
    const works = distributorUsage.usage.find((u: any) => u.operation === 'PartnerWorks');
    expect(works.calls).toBeGreaterThanOrEqual(2);
    expect(works.averageMs).toBeGreaterThan(0);
    expect(distributorUsage.usage.find((u: any) => u.operation === 'PartnerMembers')).toMatchObject({ calls: 1, errors: 1 });
    expect(Date.now() - Date.parse(distributorUsage.lastUsedAt)).toBeLessThan(60_000);
  });
});

describe('AUDIT mode', () => {
  it('runs an unlisted text and counts it as unlisted', async () => {
    const auditing = await newKey({ name: 'Moving over', permissions: ['work:read'], mode: 'AUDIT' });
    const text = await graphql(gateway, 'query Legacy { works(first: 1) { totalCount } }', {}, { token: auditing.key });
    expect(text.data.works.totalCount).toBeGreaterThan(0);
    const enforced = await graphql(
      gateway,
      'mutation($id: ID!, $mode: PersistedQueryMode!) { setPartnerClientMode(id: $id, mode: $mode) { mode } }',
      { id: auditing.id, mode: 'ENFORCE' },
      { token: owner.token },
    );
    expect(enforced.data.setPartnerClientMode.mode).toBe('ENFORCE');
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(codesOf(await graphql(gateway, 'query Legacy { works(first: 1) { totalCount } }', {}, { token: auditing.key }))).toEqual([
      'PERSISTED_QUERY_NOT_IN_LIST',
    ]);
  });
});

describe('keys that stop working', () => {
  it('refuses a revoked key at every gateway within a second', async () => {
    const revoked = await newKey({ name: 'To revoke', permissions: ['work:read'] });
    for (const url of [platform.a.gatewayUrl, platform.b.gatewayUrl]) {
      expect((await callById(revoked.key, idOf('PartnerWorks'), { first: 1 }, {}, url)).status).toBe(200);
    }
    await graphql(gateway, 'mutation($id: ID!) { revokePartnerClient(id: $id) { revokedAt } }', { id: revoked.id }, { token: owner.token });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (const url of [platform.a.gatewayUrl, platform.b.gatewayUrl]) {
      const refused = await callById(revoked.key, idOf('PartnerWorks'), { first: 1 }, {}, url);
      expect(refused).toMatchObject({ status: 401, codes: ['UNAUTHENTICATED'] });
      expect(refused.errors?.[0]?.message).toBe('The API key has been revoked');
    }
    // The subgraphs check the key themselves too: reaching one directly gives nothing.
    const direct = await callById(revoked.key, 'x', {}, { query: '{ works { totalCount } }' }, platform.a.catalogUrl);
    expect(direct.status).toBe(401);
  });

  it('refuses an expired key, and the old key once rotated', async () => {
    const brief = await newKey({ name: 'Brief', permissions: ['work:read'], expiresAt: new Date(Date.now() + 1_500).toISOString() });
    expect((await callById(brief.key, idOf('PartnerWorks'), { first: 1 })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const expired = await callById(brief.key, idOf('PartnerWorks'), { first: 1 });
    expect(expired.errors?.[0]?.message).toBe('The API key has expired');

    const rotating = await newKey({ name: 'Rotating', permissions: ['work:read'] });
    const rotated = await graphql(
      gateway,
      'mutation($id: ID!) { rotatePartnerKey(id: $id) { apiKey } }',
      { id: rotating.id },
      { token: owner.token },
    );
    const fresh = rotated.data.rotatePartnerKey.apiKey;
    expect((await callById(fresh, idOf('PartnerWorks'), { first: 1 })).status).toBe(200);
    const old = await callById(rotating.key, idOf('PartnerWorks'), { first: 1 });
    expect(old.errors?.[0]?.message).toBe('The API key is not valid');
    const forged = `${rotating.key.slice(0, -4)}AAAA`;
    expect((await callById(forged, idOf('PartnerWorks'))).status).toBe(401);
  });
});

describe("a key's rate limit", () => {
  it('refuses calls beyond the limit of the key with 429 and Retry-After, however many arrive at once', async () => {
    // A gateway on the same platform whose keys may make 5 calls in 10 s.
    const config = serviceConfigForTests({ databaseUrl: platform.urls.apiUrl, dataDir: platform.dataDir });
    const limited = await startGatewayService(
      {
        ...config,
        rateLimits: { ...config.rateLimits, windowSeconds: 10, perPartnerKey: 5 },
        jwksUrl: new URL('/.well-known/jwks.json', platform.a.identityUrl).href,
      },
      0,
      { identity: platform.a.identityUrl, publishers: platform.a.publishersUrl, catalog: platform.a.catalogUrl },
    );
    try {
      const busy = await newKey({ name: 'Busy', permissions: ['work:read'] });
      const calls = await Promise.all(
        Array.from({ length: 8 }, () => callById(busy.key, idOf('PartnerWorks'), { first: 1 }, {}, `${limited.url}/graphql`)),
      );
      expect(calls.filter((c) => c.status === 200)).toHaveLength(5);
      const refused = calls.filter((c) => c.status !== 200);
      expect(refused.map((c) => c.status)).toEqual([429, 429, 429]);
      expect(refused[0]?.codes).toEqual(['RATE_LIMITED']);
      expect(refused[0]?.errors?.[0]?.message).toBe('Too many requests with this API key; retry shortly');
      expect(Number(refused[0]?.retryAfter)).toBeGreaterThanOrEqual(1);
      // Another key of the same publisher is not held back by this one's limit.
      const calm = await newKey({ name: 'Calm', permissions: ['work:read'] });
      expect((await callById(calm.key, idOf('PartnerWorks'), { first: 1 }, {}, `${limited.url}/graphql`)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('automatic persisted queries of first-party apps', () => {
  it('registers a hash at one gateway instance and is known at the other', async () => {
    const query = '{ works(first: 2) { totalCount } }';
    const hash = createHash('sha256').update(query).digest('hex');
    const send = async (url: string, withText: boolean) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.token}` },
        body: JSON.stringify({ ...(withText ? { query } : {}), extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
      });
      return (await response.json()) as any;
    };
    expect((await send(platform.a.gatewayUrl, true)).data.works.totalCount).toBeGreaterThan(0);
    expect((await send(platform.b.gatewayUrl, false)).data.works.totalCount).toBeGreaterThan(0);
    const unknownHash = await fetch(platform.b.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.token}` },
      body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'e'.repeat(64) } } }),
    });
    expect(JSON.stringify(await unknownHash.json())).toContain('PERSISTED_QUERY_NOT_FOUND');
  });

  it('drops expired documents when a gateway starts, and keeps the others', async () => {
    await platform.admin.query(
      `INSERT INTO apq_documents (hash, document, expires_at) VALUES ('expired-doc', '{ __typename }', now() - interval '1 minute'),
                                                                     ('live-doc', '{ __typename }', now() + interval '1 hour')`,
    );
    const config = serviceConfigForTests({ databaseUrl: platform.urls.apiUrl, dataDir: platform.dataDir });
    const started = await startGatewayService({ ...config, jwksUrl: new URL('/.well-known/jwks.json', platform.a.identityUrl).href }, 0, {
      identity: platform.a.identityUrl,
      publishers: platform.a.publishersUrl,
      catalog: platform.a.catalogUrl,
    });
    try {
      const left = async () =>
        (await platform.admin.query(`SELECT hash FROM apq_documents WHERE hash IN ('expired-doc', 'live-doc') ORDER BY hash`)).rows;
      for (let tries = 0; tries < 20 && (await left()).length > 1; tries++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await left()).toEqual([{ hash: 'live-doc' }]);
    } finally {
      await started.close();
    }
  });
});
