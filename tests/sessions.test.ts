import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { SignJWT, decodeProtectedHeader, generateKeyPair, importJWK, type JWK } from 'jose';
import { rotateFileKeyRing, DEFAULT_TOKEN_SETTINGS } from '@platform/auth';
import { DEMO_PASSWORD, demoId } from '@platform/demo-data';
import { codesOf, graphql, LOGIN, login, startOwnPlatform, type OwnPlatform } from '@platform/testing';

/**
 * Sessions and tokens: what verification refuses at the gateway and at a subgraph, refresh
 * rotation and reuse detection, revocation across instances, key rotation, publisher switching
 * and the legacy X-Tenant-ID header. On a platform of this file's own (two instances).
 */

let platform: OwnPlatform;
let admin: pg.Client;

beforeAll(async () => {
  platform = await startOwnPlatform(inject('clusterAdminUrl'), 'sessions_spec');
  admin = platform.admin;
});

afterAll(async () => {
  await platform?.stop();
});

const ME = `{ me { id } }`;
const WORKS = `{ works(first: 1) { totalCount edges { node { publisher { slug } } } } }`;

async function loginFull(url: string, email: string, publisher?: string) {
  const result = await graphql(url, LOGIN, { input: { email, password: DEMO_PASSWORD, ...(publisher ? { publisher } : {}) } });
  if (!result.data?.login) throw new Error(JSON.stringify(result.errors));
  return result.data.login as {
    accessToken: string;
    refreshToken: string;
    user: { id: string };
    activePublisher: { id: string; slug: string };
  };
}

/** A user of this spec with the given role in each given publisher (the demo password). */
async function memberOf(email: string, roles: Record<string, string>): Promise<string> {
  const id = demoId(`spec-user:${email}`);
  await admin.query(
    `INSERT INTO users (id, email, display_name, password_hash) SELECT $1, $2, 'Spec User', password_hash FROM users WHERE email = 'owner@dmp.demo'`,
    [id, email],
  );
  for (const [slug, role] of Object.entries(roles)) {
    await admin.query(`INSERT INTO user_publishers (publisher_id, user_id) VALUES ($1, $2)`, [demoId(`publisher:${slug}`), id]);
    await admin.query(
      `INSERT INTO membership_roles (publisher_id, user_id, role_id) SELECT publisher_id, $2, id FROM roles WHERE publisher_id = $1 AND key = $3`,
      [demoId(`publisher:${slug}`), id, role],
    );
  }
  return id;
}

/** Access is cached for 500 ms per instance; this waits it out. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 600));

async function currentSigningKey(): Promise<{ key: Parameters<SignJWT['sign']>[0]; kid: string }> {
  const ring = JSON.parse(await readFile(path.join(platform.dataDir, 'keys', 'keyring.json'), 'utf8')) as { current: JWK };
  return { key: (await importJWK(ring.current, 'ES256')) as Parameters<SignJWT['sign']>[0], kid: ring.current.kid! };
}

describe('token verification refuses, at the gateway and at a subgraph, with UNAUTHENTICATED', () => {
  let valid: { userId: string; publisherId: string; sessionId: string };

  beforeAll(async () => {
    const session = await login(platform.a.gatewayUrl, 'owner@spirit.demo', DEMO_PASSWORD);
    const payload = JSON.parse(Buffer.from(session.token.split('.')[1]!, 'base64url').toString());
    valid = { userId: payload.sub, publisherId: payload.pub, sessionId: payload.sid };
  });

  /** A token signed with our real key, from these claims and header overrides. */
  async function forge(changes: { iss?: string; aud?: string; exp?: number; nbf?: number; kid?: string; pub?: string; sid?: string } = {}) {
    const { key, kid } = await currentSigningKey();
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ pub: changes.pub ?? valid.publisherId, sid: changes.sid ?? valid.sessionId })
      .setProtectedHeader({ alg: 'ES256', kid: changes.kid ?? kid })
      .setSubject(valid.userId)
      .setIssuer(changes.iss ?? DEFAULT_TOKEN_SETTINGS.issuer)
      .setAudience(changes.aud ?? DEFAULT_TOKEN_SETTINGS.audience)
      .setIssuedAt(now - 5)
      .setNotBefore(changes.nbf ?? now - 5)
      .setExpirationTime(changes.exp ?? now + 600)
      .sign(key);
  }

  const endpoints = () =>
    [
      ['gateway', platform.a.gatewayUrl, ME],
      ['catalog subgraph', platform.a.catalogUrl, `{ works(first: 1) { totalCount } }`],
    ] as const;

  async function expectRefused(token: string) {
    for (const [where, url, query] of endpoints()) {
      const response = await graphql(url, query, {}, { token });
      expect(codesOf(response), where).toEqual(['UNAUTHENTICATED']);
      // A gateway may answer { me: null } beside the error; no value may come back.
      expect(
        Object.values(response.data ?? {}).filter((value) => value !== null),
        where,
      ).toEqual([]);
    }
  }

  it('accepts a token forged with our key and the right claims (the control case)', async () => {
    for (const [where, url, query] of endpoints()) {
      expect((await graphql(url, query, {}, { token: await forge() })).errors, where).toBeUndefined();
    }
  });

  it('alg: none', async () => {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(
      `${part({ alg: 'none' })}.${part({ sub: valid.userId, pub: valid.publisherId, sid: valid.sessionId, iss: DEFAULT_TOKEN_SETTINGS.issuer, aud: DEFAULT_TOKEN_SETTINGS.audience, iat: now, nbf: now, exp: now + 600 })}.`,
    );
  });

  it('an HMAC token signed with our public key as the secret', async () => {
    const jwks = (await (await fetch(platform.a.identityUrl.replace('/graphql', '/.well-known/jwks.json'))).json()) as { keys: JWK[] };
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ pub: valid.publisherId, sid: valid.sessionId })
      .setProtectedHeader({ alg: 'HS256', kid: jwks.keys[0]!.kid! })
      .setSubject(valid.userId)
      .setIssuer(DEFAULT_TOKEN_SETTINGS.issuer)
      .setAudience(DEFAULT_TOKEN_SETTINGS.audience)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 600)
      .sign(new TextEncoder().encode(JSON.stringify(jwks.keys[0])));
    await expectRefused(token);
  });

  it('a wrong issuer or audience', async () => {
    await expectRefused(await forge({ iss: 'someone-else' }));
    await expectRefused(await forge({ aud: 'another-api' }));
  });

  it('an expired token, or one not valid yet, beyond the allowed clock skew', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(await forge({ exp: now - 120 }));
    await expectRefused(await forge({ nbf: now + 120 }));
  });

  it('accepts a small clock skew', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const token of [await forge({ exp: now - 10 }), await forge({ nbf: now + 10 })]) {
      expect((await graphql(platform.a.gatewayUrl, ME, {}, { token })).errors).toBeUndefined();
    }
  });

  it('an unknown kid, and a key that is not ours', async () => {
    await expectRefused(await forge({ kid: 'not-a-key-of-ours' }));
    const { privateKey } = await generateKeyPair('ES256');
    const now = Math.floor(Date.now() / 1000);
    const { kid } = await currentSigningKey();
    await expectRefused(
      await new SignJWT({ pub: valid.publisherId, sid: valid.sessionId })
        .setProtectedHeader({ alg: 'ES256', kid })
        .setSubject(valid.userId)
        .setIssuer(DEFAULT_TOKEN_SETTINGS.issuer)
        .setAudience(DEFAULT_TOKEN_SETTINGS.audience)
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + 600)
        .sign(privateKey),
    );
  });

  it('a tampered payload', async () => {
    const [header, payload, signature] = (await forge()).split('.');
    const changed = { ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), pub: demoId('publisher:dmp') };
    await expectRefused(`${header}.${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${signature}`);
  });

  it('a token whose session is revoked', async () => {
    const session = await loginFull(platform.a.gatewayUrl, 'owner@spirit.demo');
    await graphql(
      platform.a.gatewayUrl,
      `
        mutation {
          logout
        }
      `,
      {},
      { token: session.accessToken },
    );
    await expectRefused(session.accessToken);
  });

  it('a token whose active publisher the user no longer belongs to', async () => {
    const id = await memberOf('leaver@spec.demo', { spirit: 'viewer', sheer: 'viewer' });
    const atSheer = await login(platform.a.gatewayUrl, 'leaver@spec.demo', DEMO_PASSWORD, 'sheer');
    expect(
      (
        await graphql(
          platform.a.catalogUrl,
          `
            {
              works(first: 1) {
                totalCount
              }
            }
          `,
          {},
          { token: atSheer.token },
        )
      ).errors,
    ).toBeUndefined();
    await admin.query(`DELETE FROM user_publishers WHERE publisher_id = $1 AND user_id = $2`, [demoId('publisher:sheer'), id]);
    await settle();
    await expectRefused(atSheer.token);
  });
});

describe('refreshSession', () => {
  it('rotates the refresh token: each one renews the session once', async () => {
    const first = await loginFull(platform.a.gatewayUrl, 'owner@sheer.demo');
    const renewed = await graphql(
      platform.a.gatewayUrl,
      `
        mutation ($t: String!) {
          refreshSession(refreshToken: $t) {
            accessToken
            refreshToken
            activePublisher {
              slug
            }
          }
        }
      `,
      { t: first.refreshToken },
    );
    expect(renewed.errors).toBeUndefined();
    const second = renewed.data.refreshSession;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.activePublisher.slug).toBe('sheer');
    expect((await graphql(platform.a.gatewayUrl, ME, {}, { token: second.accessToken })).errors).toBeUndefined();
  });

  it('revokes the whole session when a rotated refresh token comes back, and records it', async () => {
    const first = await loginFull(platform.a.gatewayUrl, 'owner@sheer.demo');
    const refresh = `mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken } }`;
    const second = (await graphql(platform.a.gatewayUrl, refresh, { t: first.refreshToken })).data.refreshSession;
    const replay = await graphql(platform.b.gatewayUrl, refresh, { t: first.refreshToken });
    expect(codesOf(replay)).toEqual(['UNAUTHENTICATED']);
    // The thief's replay ends the legitimate holder's session too: both must sign in again.
    expect(codesOf(await graphql(platform.a.gatewayUrl, ME, {}, { token: second.accessToken }))).toEqual(['UNAUTHENTICATED']);
    expect(codesOf(await graphql(platform.a.gatewayUrl, refresh, { t: second.refreshToken }))).toEqual(['UNAUTHENTICATED']);
    const sessionId = first.refreshToken.split('.')[0];
    const { rows } = await admin.query(`SELECT revoked_reason FROM user_sessions WHERE id = $1`, [sessionId]);
    expect(rows[0].revoked_reason).toBe('refresh token reused');
    // Reported once, within a moment.
    await expect
      .poll(async () => {
        const events = await admin.query(
          `SELECT coalesce(sum(occurrences), 0)::int AS n FROM security_events WHERE kind = 'session.refresh_token_reused' AND session_id = $1`,
          [sessionId],
        );
        return events.rows[0].n;
      })
      .toBe(1);
  });

  it('only refuses a wrong secret for a real session: the session id in every access token cannot end it', async () => {
    const first = await loginFull(platform.a.gatewayUrl, 'owner@sheer.demo');
    const refresh = `mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken } }`;
    const sessionId = first.refreshToken.split('.')[0];
    for (const guess of ['anything', 'A'.repeat(43)]) {
      expect(codesOf(await graphql(platform.a.gatewayUrl, refresh, { t: `${sessionId}.${guess}` }))).toEqual(['UNAUTHENTICATED']);
    }
    expect((await graphql(platform.a.gatewayUrl, ME, {}, { token: first.accessToken })).errors).toBeUndefined();
    expect((await graphql(platform.a.gatewayUrl, refresh, { t: first.refreshToken })).data.refreshSession.accessToken).toBeTruthy();
    const { rows } = await admin.query(`SELECT revoked_at FROM user_sessions WHERE id = $1`, [sessionId]);
    expect(rows[0].revoked_at).toBeNull();
  });

  it('refuses a malformed refresh token', async () => {
    for (const token of ['', 'abc', `${demoId('x')}.nope`, 'a.b.c']) {
      expect(
        codesOf(
          await graphql(
            platform.a.gatewayUrl,
            `
              mutation ($t: String!) {
                refreshSession(refreshToken: $t) {
                  accessToken
                }
              }
            `,
            { t: token },
          ),
        ),
      ).toEqual(['UNAUTHENTICATED']);
    }
  });
});

describe('ending sessions', () => {
  it("lists the caller's open sessions, marks the current one, and ends one or all of them", async () => {
    const one = await loginFull(platform.a.gatewayUrl, 'owner@songtrust.demo');
    const two = await loginFull(platform.b.gatewayUrl, 'owner@songtrust.demo');
    const listed = await graphql(
      platform.a.gatewayUrl,
      `
        {
          mySessions {
            id
            current
            activePublisher {
              slug
            }
          }
        }
      `,
      {},
      { token: one.accessToken },
    );
    expect(listed.data.mySessions.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    expect(listed.data.mySessions.length).toBeGreaterThanOrEqual(2);

    expect(
      (
        await graphql(
          platform.a.gatewayUrl,
          `
            mutation {
              logout
            }
          `,
          {},
          { token: one.accessToken },
        )
      ).data.logout,
    ).toBe(true);
    expect(codesOf(await graphql(platform.a.gatewayUrl, ME, {}, { token: one.accessToken }))).toEqual(['UNAUTHENTICATED']);
    expect((await graphql(platform.a.gatewayUrl, ME, {}, { token: two.accessToken })).errors).toBeUndefined();

    const ended = await graphql(
      platform.a.gatewayUrl,
      `
        mutation {
          logoutEverywhere
        }
      `,
      {},
      { token: two.accessToken },
    );
    expect(ended.data.logoutEverywhere).toBeGreaterThanOrEqual(1);
    expect(codesOf(await graphql(platform.b.gatewayUrl, ME, {}, { token: two.accessToken }))).toEqual(['UNAUTHENTICATED']);
  });

  it("lets a publisher admin end a member's sessions there, and no one else", async () => {
    const viewer = await loginFull(platform.a.gatewayUrl, 'viewer@dmp.demo');
    const revoke = `mutation($u: ID!) { revokeMemberSessions(userId: $u) }`;
    const byViewer = await graphql(platform.a.gatewayUrl, revoke, { u: viewer.user.id }, { token: viewer.accessToken });
    expect(codesOf(byViewer)).toEqual(['FORBIDDEN']);
    const outsider = await login(platform.a.gatewayUrl, 'owner@spirit.demo', DEMO_PASSWORD);
    expect(codesOf(await graphql(platform.a.gatewayUrl, revoke, { u: viewer.user.id }, { token: outsider.token }))).toEqual(['NOT_FOUND']);
    expect((await graphql(platform.a.gatewayUrl, ME, {}, { token: viewer.accessToken })).errors).toBeUndefined();

    const owner = await login(platform.a.gatewayUrl, 'owner@dmp.demo', DEMO_PASSWORD);
    const revoked = await graphql(platform.a.gatewayUrl, revoke, { u: viewer.user.id }, { token: owner.token });
    expect(revoked.data.revokeMemberSessions).toBeGreaterThanOrEqual(1);
    expect(codesOf(await graphql(platform.b.gatewayUrl, ME, {}, { token: viewer.accessToken }))).toEqual(['UNAUTHENTICATED']);
  });

  it('lets no one end the sessions of a member who holds permissions they lack', async () => {
    const ops = await login(platform.a.gatewayUrl, 'ops@dmp.demo', DEMO_PASSWORD, 'dmp');
    const owner = await loginFull(platform.a.gatewayUrl, 'owner@dmp.demo');
    for (let i = 0; i < 3; i += 1) {
      const refused = await graphql(
        platform.a.gatewayUrl,
        `
          mutation ($u: ID!) {
            revokeMemberSessions(userId: $u)
          }
        `,
        { u: owner.user.id },
        { token: ops.token },
      );
      expect(codesOf(refused)).toEqual(['FORBIDDEN']);
    }
    expect((await graphql(platform.b.gatewayUrl, ME, {}, { token: owner.accessToken })).errors).toBeUndefined();
  });

  it('ends access to that publisher whatever token comes, until the member signs in again', async () => {
    const id = await memberOf('two-homes@spec.demo', { dmp: 'viewer', sheer: 'viewer' });
    const atSheer = await login(platform.a.gatewayUrl, 'two-homes@spec.demo', DEMO_PASSWORD, 'sheer');
    const DMP = demoId('publisher:dmp');
    const viaHeader = () => graphql(platform.a.gatewayUrl, WORKS, {}, { token: atSheer.token, headers: { 'x-tenant-id': DMP } });
    expect((await viaHeader()).data.works.edges[0].node.publisher.slug).toBe('dmp');

    const owner = await login(platform.a.gatewayUrl, 'owner@dmp.demo', DEMO_PASSWORD);
    await graphql(
      platform.a.gatewayUrl,
      `
        mutation ($u: ID!) {
          revokeMemberSessions(userId: $u)
        }
      `,
      { u: id },
      { token: owner.token },
    );
    await settle();
    expect(codesOf(await viaHeader())).toEqual(['UNAUTHENTICATED']);
    const switched = await graphql(
      platform.b.gatewayUrl,
      `
        mutation {
          switchPublisher(publisher: "dmp") {
            accessToken
          }
        }
      `,
      {},
      { token: atSheer.token },
    );
    expect(codesOf(switched)).toEqual(['UNAUTHENTICATED']);
    // Sheer is not touched, and a new sign-in reaches dmp again.
    expect((await graphql(platform.a.gatewayUrl, WORKS, {}, { token: atSheer.token })).data.works.edges[0].node.publisher.slug).toBe(
      'sheer',
    );
    const again = await login(platform.a.gatewayUrl, 'two-homes@spec.demo', DEMO_PASSWORD, 'dmp');
    expect((await graphql(platform.a.gatewayUrl, WORKS, {}, { token: again.token })).errors).toBeUndefined();
  });

  it('ends every session of a user who is disabled', async () => {
    const session = await loginFull(platform.a.gatewayUrl, 'owner@sheer.demo');
    await admin.query(`UPDATE users SET status = 'DISABLED' WHERE id = $1`, [session.user.id]);
    try {
      const { rows } = await admin.query(`SELECT count(*)::int AS open FROM user_sessions WHERE user_id = $1 AND revoked_at IS NULL`, [
        session.user.id,
      ]);
      expect(rows[0].open).toBe(0);
      expect(codesOf(await graphql(platform.a.gatewayUrl, ME, {}, { token: session.accessToken }))).toEqual(['UNAUTHENTICATED']);
    } finally {
      await admin.query(`UPDATE users SET status = 'ACTIVE' WHERE id = $1`, [session.user.id]);
    }
  });

  it('stops a revoked session within a second at another gateway instance', async () => {
    const session = await loginFull(platform.a.gatewayUrl, 'owner@spirit.demo');
    expect((await graphql(platform.b.gatewayUrl, WORKS, {}, { token: session.accessToken })).errors).toBeUndefined();
    await graphql(
      platform.a.gatewayUrl,
      `
        mutation {
          logout
        }
      `,
      {},
      { token: session.accessToken },
    );
    const revokedAt = Date.now();
    let refusedAfter: number | null = null;
    while (refusedAfter === null && Date.now() - revokedAt < 5_000) {
      const response = await graphql(platform.b.gatewayUrl, WORKS, {}, { token: session.accessToken });
      if (codesOf(response).includes('UNAUTHENTICATED')) refusedAfter = Date.now() - revokedAt;
    }
    expect(refusedAfter).not.toBeNull();
    console.log(`revoked session refused by the other instance after ${refusedAfter} ms`);
    expect(refusedAfter!).toBeLessThan(1_000);
  });
});

describe('signing key rotation', () => {
  it("signs with the new key at once and keeps accepting the old key's tokens until they expire", async () => {
    const before = await loginFull(platform.a.gatewayUrl, 'owner@spirit.demo');
    const oldKid = decodeProtectedHeader(before.accessToken).kid;
    const { current } = await rotateFileKeyRing(platform.dataDir);
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // identity re-reads its ring within a second

    const after = await loginFull(platform.a.gatewayUrl, 'owner@spirit.demo');
    expect(decodeProtectedHeader(after.accessToken).kid).toBe(current);
    for (const [url, query] of [
      [platform.a.gatewayUrl, WORKS],
      [platform.b.gatewayUrl, WORKS],
      [platform.b.catalogUrl, `{ works(first: 1) { totalCount } }`],
    ] as const) {
      expect((await graphql(url, query, {}, { token: before.accessToken })).errors, `old key at ${url}`).toBeUndefined();
      expect((await graphql(url, query, {}, { token: after.accessToken })).errors, `new key at ${url}`).toBeUndefined();
    }
    const jwks = (await (await fetch(platform.a.identityUrl.replace('/graphql', '/.well-known/jwks.json'))).json()) as { keys: JWK[] };
    expect(jwks.keys.map((k) => k.kid).sort()).toEqual([current, oldKid].sort());
  });

  it('stops publishing a retired key once every token it signed has expired', async () => {
    const file = path.join(platform.dataDir, 'keys', 'keyring.json');
    const ring = JSON.parse(await readFile(file, 'utf8'));
    ring.previous = ring.previous.map((p: { retiredAt: string }) => ({ ...p, retiredAt: new Date(Date.now() - 3_600_000).toISOString() }));
    await writeFile(file, JSON.stringify(ring));
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const jwks = (await (await fetch(platform.a.identityUrl.replace('/graphql', '/.well-known/jwks.json'))).json()) as { keys: JWK[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual([ring.current.kid]);
  });
});

describe('switchPublisher', () => {
  it('issues a token pair for another publisher the user belongs to', async () => {
    const ops = await login(platform.a.gatewayUrl, 'ops@dmp.demo', DEMO_PASSWORD, 'dmp');
    const switched = await graphql(
      platform.a.gatewayUrl,
      `
        mutation {
          switchPublisher(publisher: "sheer") {
            accessToken
            refreshToken
            activePublisher {
              slug
            }
          }
        }
      `,
      {},
      { token: ops.token },
    );
    expect(switched.data.switchPublisher.activePublisher.slug).toBe('sheer');
    const works = await graphql(platform.a.gatewayUrl, WORKS, {}, { token: switched.data.switchPublisher.accessToken });
    expect(works.data.works.edges[0].node.publisher.slug).toBe('sheer');
  });

  it('lists each membership with its roles and what they grant, the active publisher and the others', async () => {
    const ops = await login(platform.a.gatewayUrl, 'ops@dmp.demo', DEMO_PASSWORD, 'dmp');
    const me = await graphql(
      platform.a.gatewayUrl,
      `
        {
          me {
            memberships {
              publisher {
                slug
              }
              roles {
                key
                permissions
              }
            }
          }
        }
      `,
      {},
      { token: ops.token },
    );
    const bySlug = Object.fromEntries(
      me.data.me.memberships.map((m: { publisher: { slug: string }; roles: { key: string; permissions: string[] }[] }) => [
        m.publisher.slug,
        m.roles,
      ]),
    );
    for (const slug of ['dmp', 'sheer']) {
      expect(bySlug[slug].map((r: { key: string }) => r.key)).toEqual(['admin']);
      expect(bySlug[slug][0].permissions).toContain('member:manage');
      expect(bySlug[slug][0].permissions).not.toContain('billing:manage');
    }
  });

  it('is FORBIDDEN for a publisher the user does not belong to', async () => {
    const ops = await login(platform.a.gatewayUrl, 'ops@dmp.demo', DEMO_PASSWORD, 'dmp');
    for (const target of ['spirit', 'no-such-publisher']) {
      const switched = await graphql(
        platform.a.gatewayUrl,
        `
          mutation ($p: String!) {
            switchPublisher(publisher: $p) {
              accessToken
            }
          }
        `,
        { p: target },
        { token: ops.token },
      );
      expect(codesOf(switched)).toEqual(['FORBIDDEN']);
    }
  });
});

describe('legacy clients sending X-Tenant-ID', () => {
  const SHEER = demoId('publisher:sheer');

  it('selects another publisher the user belongs to, for that request only', async () => {
    const ops = await login(platform.a.gatewayUrl, 'ops@dmp.demo', DEMO_PASSWORD, 'dmp');
    const legacy = await graphql(platform.a.gatewayUrl, WORKS, {}, { token: ops.token, headers: { 'x-tenant-id': SHEER } });
    expect(legacy.data.works.edges[0].node.publisher.slug).toBe('sheer');
    const plain = await graphql(platform.a.gatewayUrl, WORKS, {}, { token: ops.token });
    expect(plain.data.works.edges[0].node.publisher.slug).toBe('dmp');
  });

  it('is FORBIDDEN for a publisher the user does not belong to, through the gateway or directly', async () => {
    const spirit = await login(platform.a.gatewayUrl, 'owner@spirit.demo', DEMO_PASSWORD);
    for (const url of [platform.a.gatewayUrl, platform.a.catalogUrl]) {
      for (const tenant of [demoId('publisher:dmp'), 'not-a-uuid']) {
        const response = await graphql(
          url,
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
        expect(codesOf(response), `${url} ${tenant}`).toEqual(['FORBIDDEN']);
        expect(response.data ?? null).toBeNull();
      }
    }
  });

  it('never widens what the caller may do there: the rights are those of the named publisher', async () => {
    await memberOf('editor-and-viewer@spec.demo', { dmp: 'editor', sheer: 'viewer' });
    const atDmp = await login(platform.a.gatewayUrl, 'editor-and-viewer@spec.demo', DEMO_PASSWORD, 'dmp');
    const create = `mutation { createWork(input: { title: "Via legacy" }) { id } }`;
    const response = await graphql(platform.a.gatewayUrl, create, {}, { token: atDmp.token, headers: { 'x-tenant-id': SHEER } });
    expect(codesOf(response)).toEqual(['FORBIDDEN']);
    const { rows } = await admin.query(`SELECT count(*)::int AS n FROM works WHERE title = 'Via legacy'`);
    expect(rows[0].n).toBe(0);
    // The control: the same token in its own publisher may create.
    expect((await graphql(platform.a.gatewayUrl, create, {}, { token: atDmp.token })).data.createWork.id).toBeTruthy();
  });

  it('gives nothing without a token', async () => {
    const response = await graphql(platform.a.gatewayUrl, WORKS, {}, { headers: { 'x-tenant-id': SHEER } });
    expect(response.data ?? null).toBeNull();
    expect(codesOf(response)).toContain('UNAUTHENTICATED');
  });
});
