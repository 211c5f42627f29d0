import { DEFAULT_TOKEN_SETTINGS } from '@platform/auth';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { SignJWT, generateKeyPair } from 'jose';
import { DEMO_PASSWORD, demoId } from '@platform/demo-data';
import { codesOf, graphql, login, startOwnPlatform, type GraphQLResponse, type OwnPlatform, type Session } from '@platform/testing';

// A database of this file's own: the fingerprints below count every row, so no other spec may
// write beside them.
let platform: OwnPlatform;
let gateway: string;

beforeAll(async () => {
  platform = await startOwnPlatform(inject('clusterAdminUrl'), 'bad_input_spec');
  gateway = platform.a.gatewayUrl;
});

afterAll(async () => {
  await platform?.stop();
});
const SPIRIT_WORK = demoId('work:spirit:0');
/** The GraphQL-over-HTTP media type under which a refused request keeps its HTTP 400. */
const GRAPHQL_RESPONSE = { accept: 'application/graphql-response+json' };
const SPIRIT_SONGWRITER = demoId('songwriter:spirit:0');

/** A fingerprint of everything a failed mutation could have touched. */
async function catalogFingerprint(): Promise<string> {
  const client = new pg.Client({ connectionString: platform.urls.adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query(`
      SELECT (SELECT md5(string_agg(w::text, ',' ORDER BY id)) FROM works w) AS works,
             (SELECT md5(string_agg(ww::text, ',' ORDER BY work_id, songwriter_id)) FROM work_writers ww) AS writers,
             (SELECT md5(string_agg(s::text, ',' ORDER BY id)) FROM songwriters s) AS songwriters,
             (SELECT md5(string_agg(r::text, ',' ORDER BY id)) FROM recordings r) AS recordings,
             (SELECT count(*) FROM outbox) AS events,
             -- Changes only: security events (a sign-in) are written a moment later, by themselves.
             (SELECT count(*) FROM audit_log WHERE action NOT LIKE 'security.%') AS audits`);
    return JSON.stringify(rows[0]);
  } finally {
    await client.end();
  }
}

function expectNoLeaks(response: GraphQLResponse) {
  const text = JSON.stringify(response.errors ?? []);
  expect(text).not.toMatch(/stacktrace| {4}at |prisma|SELECT |node_modules/i);
}

describe('mutations with bad input', () => {
  let spirit: Session;
  beforeAll(async () => {
    spirit = await login(gateway, 'owner@spirit.demo', DEMO_PASSWORD);
  });

  const cases: [string, string, Record<string, unknown>, string, string | undefined][] = [
    ['an empty title', 'createWork(input: $input) { id }', { input: { title: '   ' } }, 'title must not be empty', 'title'],
    [
      'a title over 500 characters',
      'createWork(input: $input) { id }',
      { input: { title: 'x'.repeat(501) } },
      'title must be at most 500 characters',
      'title',
    ],
    [
      'a malformed ISWC',
      'createWork(input: $input) { id }',
      { input: { title: 'Ok', iswc: 'ISWC-1' } },
      'iswc must be an ISWC like T-034.524.680-1',
      'iswc',
    ],
    [
      'an ISWC with a wrong check digit',
      'createWork(input: $input) { id }',
      { input: { title: 'Ok', iswc: 'T-034.524.680-2' } },
      'iswc T-034.524.680-2 has a wrong check digit',
      'iswc',
    ],
    [
      'shares over 100%',
      'createWork(input: $input) { id }',
      { input: { title: 'Ok', writers: [{ songwriterId: SPIRIT_SONGWRITER, share: 100.5 }] } },
      'share must be a percentage above 0 and at most 100, with at most two decimals',
      'writers[0].share',
    ],
    [
      'a writer listed twice',
      'createWork(input: $input) { id }',
      {
        input: {
          title: 'Ok',
          writers: [
            { songwriterId: SPIRIT_SONGWRITER, share: 10 },
            { songwriterId: SPIRIT_SONGWRITER, share: 10 },
          ],
        },
      },
      'a songwriter can appear only once among the writers',
      'writers[1].songwriterId',
    ],
    [
      'a malformed songwriter id',
      'createWork(input: $input) { id }',
      { input: { title: 'Ok', writers: [{ songwriterId: 'bob', share: 10 }] } },
      'writers[0].songwriterId is not a valid songwriter id',
      'writers[0].songwriterId',
    ],
    ['a malformed work id', 'updateWork(id: "42", input: $input) { id }', { input: { title: 'Ok' } }, 'id is not a valid work id', 'id'],
    [
      'an empty title on update',
      `updateWork(id: "${SPIRIT_WORK}", input: $input) { id }`,
      { input: { title: '' } },
      'title must not be empty',
      'title',
    ],
  ];

  for (const [what, field, variables, message, inputField] of cases) {
    it(`answers ${what} with BAD_USER_INPUT and changes nothing`, async () => {
      const inputType = field.startsWith('create') ? 'CreateWorkInput' : 'UpdateWorkInput';
      const before = await catalogFingerprint();
      const response = await graphql(gateway, `mutation($input: ${inputType}!) { ${field} }`, variables, { token: spirit.token });
      expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors![0]).toMatchObject({
        message,
        extensions: { code: 'BAD_USER_INPUT', ...(inputField ? { field: inputField } : {}) },
      });
      expectNoLeaks(response);
      expect(await catalogFingerprint()).toBe(before);
    });
  }

  it.each([
    [
      'an IPI that is not 9 to 11 digits',
      `mutation { createSongwriter(input: { name: "X", ipi: "12-34" }) { id } }`,
      'ipi must be an IPI name number of 11 digits',
      'ipi',
    ],
    ['an empty songwriter name', `mutation { createSongwriter(input: { name: "  " }) { id } }`, 'name must not be empty', 'name'],
    [
      'a malformed ISRC',
      `mutation { createRecording(input: { title: "X", isrc: "ISRC-1" }) { id } }`,
      'isrc must be an ISRC like US-RC1-76-07839 (12 characters, hyphens optional)',
      'isrc',
    ],
    [
      'a negative duration',
      `mutation { createRecording(input: { title: "X", durationSeconds: -3 }) { id } }`,
      'durationSeconds must be a whole number of seconds from 1 to 86400',
      'durationSeconds',
    ],
  ])('answers %s with BAD_USER_INPUT and changes nothing', async (_what, mutation, message, field) => {
    const before = await catalogFingerprint();
    const response = await graphql(gateway, mutation, {}, { token: spirit.token });
    expect(response.errors![0]).toMatchObject({ message, extensions: { code: 'BAD_USER_INPUT', field } });
    expect(await catalogFingerprint()).toBe(before);
  });

  it('rolls back the whole change when a later step fails', async () => {
    const before = await catalogFingerprint();
    // The work row and its first writer are valid; the unknown second writer fails the request.
    const response = await graphql(
      gateway,
      `mutation($input: UpdateWorkInput!) { updateWork(id: "${SPIRIT_WORK}", input: $input) { id } }`,
      {
        input: {
          title: 'Half done',
          writers: [
            { songwriterId: SPIRIT_SONGWRITER, share: 50 },
            { songwriterId: '00000000-0000-4000-8000-000000000001', share: 50 },
          ],
        },
      },
      { token: spirit.token },
    );
    expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
    expect(await catalogFingerprint()).toBe(before);
  });
});

describe('queries with bad input', () => {
  let spirit: Session;
  beforeAll(async () => {
    spirit = await login(gateway, 'owner@spirit.demo', DEMO_PASSWORD);
  });

  it.each([
    ['a page size over 100', `{ works(first: 1000) { totalCount } }`, 'first must be between 1 and 100'],
    ['a cursor we did not issue', `{ works(after: "bm90LWEtY3Vyc29y") { totalCount } }`, 'after must be a cursor returned by this API'],
    ['a malformed work id', `{ work(id: "not-an-id") { id } }`, 'id is not a valid work id'],
    [
      'both id and slug of a publisher',
      `{ publisher(id: "${demoId('publisher:spirit')}", slug: "spirit") { id } }`,
      'Give exactly one of id or slug',
    ],
  ])('answers %s with BAD_USER_INPUT', async (_what, query, message) => {
    const response = await graphql(gateway, query, {}, { token: spirit.token });
    expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toBe(message);
    expectNoLeaks(response);
  });

  it('lets the widest contract query through the operation limits', async () => {
    const page = `{ works(first: 100) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node {
      id title iswc createdAt updatedAt publisher { id slug name type } createdBy { id email displayName }
      writers { share songwriter { id name ipi } } } } } }`;
    const response = await graphql(gateway, page, {}, { token: spirit.token });
    expect(response.errors).toBeUndefined();
    expect(response.data.works.edges).toHaveLength(100);
  });

  it('refuses operations with more aliases than the gateway allows', async () => {
    const deep = `{ me { memberships { publisher { id } roles { id } } } works { edges { node { writers { songwriter { id } } publisher { id } } } } }`;
    expect((await graphql(gateway, deep, {}, { token: spirit.token })).errors).toBeUndefined();
    const tooDeep = `{ a: me { memberships { publisher { id } } } b: me { memberships { roles { id } } } ${Array.from({ length: 20 }, (_, i) => `x${i}: me { id }`).join(' ')} }`;
    const response = await graphql(gateway, tooDeep, {}, { token: spirit.token });
    expect(response.data ?? null).toBeNull();
    expect(response.errors![0]!.message).toMatch(/aliases/i);
  });
});

describe('input the database could not take', () => {
  let spirit: Session;
  beforeAll(async () => {
    spirit = await login(gateway, 'owner@spirit.demo', DEMO_PASSWORD);
  });
  const CREATE = `mutation($input: CreateWorkInput!) { createWork(input: $input) { id } }`;
  const cursor = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');

  it.each([
    ['a NUL byte in a variable', CREATE, { input: { title: 'Nul\u0000Song' } }, 'input.title'],
    ['a lone surrogate in a variable', CREATE, { input: { title: 'Half \ud800 a pair' } }, 'input.title'],
    [
      'a NUL byte in a string literal of the query',
      `mutation { createWork(input: { title: "Nul\\u0000Song" }) { id } }`,
      {},
      'a string in the query',
    ],
    [
      'publisher settings nested a thousand deep',
      `mutation($s: JSON) { updatePublisher(input: { settings: $s }) { id } }`,
      { s: JSON.parse('{"a":'.repeat(1000) + '1' + '}'.repeat(1000)) },
      's',
    ],
  ])('answers %s with BAD_USER_INPUT naming the field, and changes nothing', async (_what, query, variables, field) => {
    const before = await catalogFingerprint();
    const response = await graphql(gateway, query, variables, { token: spirit.token, headers: GRAPHQL_RESPONSE });
    expect(response.status).toBe(400);
    expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.extensions!.field).toBe(field);
    expectNoLeaks(response);
    expect(await catalogFingerprint()).toBe(before);
  });

  it.each([
    ['a hand-made cursor whose id is not an id', cursor(['A title', 'not-a-uuid'])],
    ['a hand-made cursor holding a NUL byte', cursor(['A\u0000', demoId('x')])],
    ['a hand-made cursor of the wrong shape', cursor({ title: 'x' })],
    ['a cursor that is not base64', '%%%'],
  ])('answers %s with BAD_USER_INPUT', async (_what, after) => {
    for (const query of [
      `query($a: String) { works(after: $a) { totalCount } }`,
      `query($a: String) { auditLog(after: $a) { totalCount } }`,
    ]) {
      const response = await graphql(gateway, query, { a: after }, { token: spirit.token });
      expect(codesOf(response), query).toEqual(['BAD_USER_INPUT']);
      expectNoLeaks(response);
    }
  });

  it('answers a syntax error with GRAPHQL_PARSE_FAILED: HTTP 400 under application/graphql-response+json, 200 under application/json', async () => {
    const response = await graphql(gateway, `{ works(first: 1) { totalCount }`, {}, { token: spirit.token, headers: GRAPHQL_RESPONSE });
    expect(response.status).toBe(400);
    expect(codesOf(response)).toEqual(['GRAPHQL_PARSE_FAILED']);
    const legacy = await graphql(gateway, `{ works(first: 1) { totalCount }`, {}, { token: spirit.token });
    expect(legacy.status).toBe(200);
    expect(codesOf(legacy)).toEqual(['GRAPHQL_PARSE_FAILED']);
  });

  it('answers an over-limit operation with HTTP 400', async () => {
    const tooMany = `{ ${Array.from({ length: 20 }, (_, i) => `x${i}: me { id }`).join(' ')} }`;
    const response = await graphql(gateway, tooMany, {}, { token: spirit.token, headers: GRAPHQL_RESPONSE });
    expect(response.status).toBe(400);
  });

  it('answers an X-Tenant-ID that names no publisher of the caller with HTTP 403', async () => {
    for (const tenant of ['not-a-uuid', demoId('publisher:dmp')]) {
      const response = await graphql(
        gateway,
        `
          {
            works(first: 1) {
              totalCount
            }
          }
        `,
        {},
        { token: spirit.token, headers: { 'x-tenant-id': tenant } },
      );
      expect(response.status, tenant).toBe(403);
      expect(codesOf(response), tenant).toEqual(['FORBIDDEN']);
      expect(JSON.stringify(response)).not.toMatch(/127\.0\.0\.1|localhost|:\d{4,5}\/graphql/);
    }
  });

  it('answers a token whose session has ended with HTTP 401 and the reason, nothing of the subgraph', async () => {
    const session = await login(gateway, 'viewer@dmp.demo', DEMO_PASSWORD);
    await graphql(
      gateway,
      `
        mutation {
          logout
        }
      `,
      {},
      { token: session.token },
    );
    const response = await graphql(
      gateway,
      `
        {
          works(first: 1) {
            totalCount
          }
        }
      `,
      {},
      { token: session.token },
    );
    expect(response.status).toBe(401);
    expect(response.errors![0]).toMatchObject({
      message: 'Your session has ended; sign in again',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    expect(Object.keys(response.errors![0]!.extensions!)).toEqual(['code']);
  });
});

describe('tokens the gateway refuses with UNAUTHENTICATED', () => {
  const ME = `{ me { id } }`;
  const claims = { pub: demoId('publisher:spirit'), sid: '00000000-0000-4000-8000-000000000000' };

  async function signedBy(
    alg: 'ES256' | 'HS256',
    key: Parameters<SignJWT['sign']>[0],
    payload: Record<string, unknown> = claims,
    expires = '5m',
  ) {
    return new SignJWT(payload)
      .setProtectedHeader({ alg, kid: 'attacker' })
      .setSubject(demoId('user:owner@spirit.demo'))
      .setIssuer(DEFAULT_TOKEN_SETTINGS.issuer)
      .setAudience(DEFAULT_TOKEN_SETTINGS.audience)
      .setIssuedAt()
      .setNotBefore('0s')
      .setExpirationTime(expires)
      .sign(key);
  }

  const refused = async (authorization: string) => {
    const response = await graphql(gateway, ME, {}, { headers: { authorization } });
    expect(response.status).toBe(401);
    expect(codesOf(response)).toEqual(['UNAUTHENTICATED']);
    expect(response.data ?? null).toBeNull();
    expectNoLeaks(response);
    return response;
  };

  it('a header that is not a bearer token', async () => {
    await refused('Basic b3duZXI6cGFzc3dvcmQ=');
  });

  it('a bearer token that is not a JWT', async () => {
    await refused('Bearer not-a-token');
  });

  it('an unsigned token (alg: none)', async () => {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    await refused(`Bearer ${part({ alg: 'none', typ: 'JWT' })}.${part({ sub: 'x', ...claims, exp: 9_999_999_999 })}.`);
  });

  it('a token signed by a key that is not ours', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    await refused(`Bearer ${await signedBy('ES256', privateKey)}`);
  });

  it('an HMAC token that uses our public key as its secret', async () => {
    const jwks = (await (await fetch(platform.a.identityUrl.replace('/graphql', '/.well-known/jwks.json'))).json()) as { keys: object[] };
    await refused(`Bearer ${await signedBy('HS256', new TextEncoder().encode(JSON.stringify(jwks.keys[0])))}`);
  });

  it('a token of ours whose payload was altered', async () => {
    const spirit = await login(gateway, 'owner@spirit.demo', DEMO_PASSWORD);
    const [header, payload, signature] = spirit.token.split('.');
    const altered = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    altered.pub = demoId('publisher:dmp');
    await refused(`Bearer ${header}.${Buffer.from(JSON.stringify(altered)).toString('base64url')}.${signature}`);
  });
});
