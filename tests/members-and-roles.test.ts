import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { startCatalog } from '@platform/catalog/start';
import { CLIENT_WORK_COUNT, DEMO_PASSWORD, demoId } from '@platform/demo-data';
import type { RunningHttpServer } from '@platform/server';
import { codesOf, graphql, login, startOwnPlatform, type OwnPlatform, type Session } from '@platform/testing';

/** The client songwriter pattern at both layers; members, invitations and roles. */

let platform: OwnPlatform;
let admin: pg.Client;
let gateway: string;
const CLIENT_SONGWRITER = demoId('songwriter:songtrust:client');

beforeAll(async () => {
  platform = await startOwnPlatform(inject('clusterAdminUrl'), 'members_spec');
  gateway = platform.a.gatewayUrl;
  admin = platform.admin;
});

afterAll(async () => {
  await platform?.stop();
});

/** Role changes reach every service within the 500 ms access cache; this waits them out. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 600));
const WORKS = `{ works(first: 100) { totalCount edges { node { id title writers { share songwriter { id } } } } } }`;

describe('a client songwriter of a platform publisher', () => {
  let client: Session;
  beforeAll(async () => {
    client = await login(gateway, 'client@songtrust.demo', DEMO_PASSWORD);
  });

  it('lists only the works they wrote', async () => {
    const response = await graphql(gateway, WORKS, {}, { token: client.token });
    expect(response.errors).toBeUndefined();
    expect(response.data.works.totalCount).toBe(CLIENT_WORK_COUNT);
    for (const { node } of response.data.works.edges) {
      expect(node.writers.map((w: { songwriter: { id: string } }) => w.songwriter.id)).toContain(CLIENT_SONGWRITER);
    }
  });

  it('cannot read or change a work of the publisher they did not write', async () => {
    const other = demoId('work:songtrust:1');
    expect((await graphql(gateway, `query($id: ID!) { work(id: $id) { id } }`, { id: other }, { token: client.token })).data.work).toBeNull();
    const update = await graphql(gateway, `mutation($id: ID!) { updateWork(id: $id, input: { title: "Mine now" }) { id } }`, { id: other }, { token: client.token });
    expect(codesOf(update)).toEqual(['NOT_FOUND']);
    const { rows } = await admin.query(`SELECT title FROM works WHERE id = $1`, [other]);
    expect(rows[0].title).not.toBe('Mine now');
  });

  it('registers new works as one of their writers', async () => {
    const created = await graphql(gateway, `mutation { createWork(input: { title: "Client Song" }) { id writers { share songwriter { id } } } }`, {}, { token: client.token });
    expect(created.data.createWork.writers).toEqual([{ share: 100, songwriter: { id: CLIENT_SONGWRITER } }]);
    const someoneElse = demoId('songwriter:songtrust:4');
    const refused = await graphql(gateway, `mutation($w: ID!) { createWork(input: { title: "Not mine", writers: [{ songwriterId: $w, share: 100 }] }) { id } }`, { w: someoneElse }, { token: client.token });
    expect(refused.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'writers' } });
  });

  it('is held to their own works by row-level security, even by a query that forgets the condition', async () => {
    const api = new pg.Client({ connectionString: platform.urls.apiUrl });
    await api.connect();
    try {
      await api.query('BEGIN');
      await api.query(`SELECT set_config('app.publisher_id', $1, true), set_config('app.user_id', $2, true)`, [demoId('publisher:songtrust'), client.userId]);
      const seen = await api.query(`SELECT id FROM works`);
      const own = await admin.query(`SELECT DISTINCT work_id FROM work_writers WHERE songwriter_id = $1`, [CLIENT_SONGWRITER]);
      expect(seen.rows.map((r) => r.id).sort()).toEqual(own.rows.map((r) => r.work_id).sort());
      const changed = await api.query(`UPDATE works SET title = title || ''`);
      expect(changed.rowCount).toBe(own.rowCount);
      await api.query('ROLLBACK');
    } finally {
      await api.end();
    }
  });

  it('is held to their own works by the rules alone, when row-level security is out of the way', async () => {
    // A catalog instance connected as a superuser: RLS does not apply to it at all.
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'platform-rules-only-'));
    const jwksUrl = platform.a.identityUrl.replace('/graphql', '/.well-known/jwks.json');
    const unprotected: RunningHttpServer = await startCatalog({
      production: false, host: '127.0.0.1', databaseUrl: platform.urls.adminUrl, dbPoolSize: 2, jwksUrl,
      tokens: { issuer: 'publishing-platform', audience: 'publishing-api' }, dataDir, trustedProxies: new Set(['127.0.0.1']),
    }, 0);
    try {
      const response = await graphql(`${unprotected.url}/graphql`, `{ works(first: 100) { totalCount edges { node { id title } } } }`, {}, { token: client.token });
      // The database hid nothing here, so only the per-work rule stands between the client and
      // the rest of the catalog: it refuses, and no other work's id or title comes back.
      expect(codesOf(response)).toContain('FORBIDDEN');
      const others = await admin.query(
        `SELECT id, title FROM works w WHERE publisher_id = $1 AND NOT EXISTS (SELECT 1 FROM work_writers ww WHERE ww.work_id = w.id AND ww.songwriter_id = $2)`,
        [demoId('publisher:songtrust'), CLIENT_SONGWRITER],
      );
      expect(others.rowCount).toBeGreaterThan(100);
      const answer = JSON.stringify(response.data);
      expect(others.rows.filter((w) => answer.includes(w.id))).toEqual([]);
    } finally {
      await unprotected.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('inviting members', () => {
  const INVITE = `mutation($e: String!, $r: [String!]!) { inviteMember(input: { email: $e, roles: $r }) { id email roles { key } } }`;
  const ACCEPT = `mutation($i: AcceptInvitationInput!) { acceptInvitation(input: $i) { accessToken activePublisher { slug } } }`;
  const tokenFor = async (email: string) => {
    await new Promise((resolve) => setTimeout(resolve, 50)); // the mail leaves after the answer
    return /token=([A-Za-z0-9_-]+)/.exec(platform.mailer.sent.findLast((m) => m.to === email)!.text)![1]!;
  };

  it('lets a new person join with the roles chosen at invitation, once', async () => {
    const owner = await login(gateway, 'owner@dmp.demo', DEMO_PASSWORD);
    const invited = await graphql(gateway, INVITE, { e: 'New.Editor@Example.com', r: ['editor'] }, { token: owner.token });
    expect(invited.data.inviteMember).toMatchObject({ email: 'new.editor@example.com', roles: [{ key: 'editor' }] });
    const token = await tokenFor('new.editor@example.com');
    const joined = await graphql(gateway, ACCEPT, { i: { token, displayName: 'New Editor', password: 'a new long password' } });
    if (!joined.data) throw new Error(JSON.stringify(joined.errors));
    expect(joined.data.acceptInvitation.activePublisher.slug).toBe('dmp');
    const me = await graphql(gateway, `{ me { permissions } }`, {}, { token: joined.data.acceptInvitation.accessToken });
    expect(me.data.me.permissions).toEqual(['recording:read', 'recording:write', 'songwriter:read', 'songwriter:write', 'work:read', 'work:write']);
    const again = await graphql(gateway, ACCEPT, { i: { token, displayName: 'Again', password: 'a new long password' } });
    expect(again.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'token' } });
  });

  it('adds an existing account to another publisher when it proves itself', async () => {
    const owner = await login(gateway, 'owner@dmp.demo', DEMO_PASSWORD);
    await graphql(gateway, INVITE, { e: 'owner@spirit.demo', r: ['viewer'] }, { token: owner.token });
    const token = await tokenFor('owner@spirit.demo');
    expect(codesOf(await graphql(gateway, ACCEPT, { i: { token, password: 'not the password' } }))).toEqual(['UNAUTHENTICATED']);
    const joined = await graphql(gateway, ACCEPT, { i: { token, password: DEMO_PASSWORD } });
    expect(joined.data.acceptInvitation.activePublisher.slug).toBe('dmp');
  });

  it('never grants, through an invitation, a permission the inviter does not hold', async () => {
    const owner = await login(gateway, 'owner@dmp.demo', DEMO_PASSWORD);
    await graphql(gateway, `mutation { createRole(input: { key: "recruiter", name: "Recruiter", permissions: ["member:read", "member:invite"] }) { key } }`, {}, { token: owner.token });
    const userId = demoId('spec-user:recruiter');
    await admin.query(`INSERT INTO users (id, email, display_name, password_hash) SELECT $1, 'recruiter@dmp.demo', 'Recruiter', password_hash FROM users WHERE email = 'owner@dmp.demo'`, [userId]);
    await admin.query(`INSERT INTO user_publishers (publisher_id, user_id) VALUES ($1, $2)`, [demoId('publisher:dmp'), userId]);
    await admin.query(`INSERT INTO membership_roles (publisher_id, user_id, role_id) SELECT publisher_id, $2, id FROM roles WHERE publisher_id = $1 AND key = 'recruiter'`, [demoId('publisher:dmp'), userId]);
    const recruiter = await login(gateway, 'recruiter@dmp.demo', DEMO_PASSWORD);
    const refused = await graphql(gateway, INVITE, { e: 'someone@example.com', r: ['editor'] }, { token: recruiter.token });
    expect(codesOf(refused)).toEqual(['FORBIDDEN']);
    expect(refused.errors![0]!.message).toContain('"work:write"');
  });

  it('counts seats across members and open invitations', async () => {
    const owner = await login(gateway, 'owner@spirit.demo', DEMO_PASSWORD, 'spirit');
    await admin.query(`UPDATE accounts SET seat_limit = 1 WHERE id = (SELECT account_id FROM publishers WHERE slug = 'spirit')`);
    try {
      const refused = await graphql(gateway, INVITE, { e: 'one-too-many@example.com', r: ['viewer'] }, { token: owner.token });
      expect(refused.errors![0]!.message).toMatch(/seats of the account are taken/);
    } finally {
      await admin.query(`UPDATE accounts SET seat_limit = 25 WHERE id = (SELECT account_id FROM publishers WHERE slug = 'spirit')`);
    }
  });
});

describe('managing members', () => {
  const viewerId = demoId('user:viewer@dmp.demo');

  it('keeps at least one active Owner', async () => {
    const owner = await login(gateway, 'owner@dmp.demo', DEMO_PASSWORD);
    for (const mutation of ['suspendMember(userId: $u) { email }', 'removeMember(userId: $u)', 'changeMemberRoles(userId: $u, roles: ["admin"]) { email }']) {
      const response = await graphql(gateway, `mutation($u: ID!) { ${mutation} }`, { u: owner.userId }, { token: owner.token });
      expect(response.errors![0], mutation).toMatchObject({ message: 'The publisher must keep at least one active Owner: make someone else Owner first', extensions: { code: 'BAD_USER_INPUT' } });
    }
  });

  it('does not let an Admin change the Owner, who holds more than the Admin', async () => {
    const ops = await login(gateway, 'ops@dmp.demo', DEMO_PASSWORD, 'dmp');
    const response = await graphql(gateway, `mutation($u: ID!) { suspendMember(userId: $u) { email } }`, { u: demoId('user:owner@dmp.demo') }, { token: ops.token });
    expect(codesOf(response)).toEqual(['FORBIDDEN']);
  });

  it('changes roles, explains access, and records it all in the audit log', async () => {
    const owner = await login(gateway, 'owner@dmp.demo', DEMO_PASSWORD);
    const explain = `query($p: String!) { explainAccess(userId: "${viewerId}", permission: $p) { granted reason grantedBy { key } } }`;
    expect((await graphql(gateway, explain, { p: 'work:write' }, { token: owner.token })).data.explainAccess).toMatchObject({ granted: false, reason: "None of the member's roles (Viewer) grants work:write" });
    const changed = await graphql(gateway, `mutation { changeMemberRoles(userId: "${viewerId}", roles: ["editor"]) { roles { key } } }`, {}, { token: owner.token });
    expect(changed.data.changeMemberRoles.roles).toEqual([{ key: 'editor' }]);
    expect((await graphql(gateway, explain, { p: 'work:write' }, { token: owner.token })).data.explainAccess).toMatchObject({ granted: true, grantedBy: [{ key: 'editor' }] });
    await settle();
    const viewer = await login(gateway, 'viewer@dmp.demo', DEMO_PASSWORD);
    expect((await graphql(gateway, `mutation { createWork(input: { title: "Now allowed" }) { id } }`, {}, { token: viewer.token })).errors).toBeUndefined();
    const audit = await graphql(gateway, `{ auditLog(first: 20) { edges { node { action entityId actor { id } } } } }`, {}, { token: owner.token });
    expect(audit.data.auditLog.edges.map((e: { node: { action: string } }) => e.node.action)).toContain('member.roles_changed');
    await graphql(gateway, `mutation { changeMemberRoles(userId: "${viewerId}", roles: ["viewer"]) { email } }`, {}, { token: owner.token });
  });

  it('gives a suspended member nothing, and removing a member ends their sessions', async () => {
    const owner = await login(gateway, 'owner@sheer.demo', DEMO_PASSWORD);
    const ops = await login(gateway, 'ops@dmp.demo', DEMO_PASSWORD, 'sheer');
    const opsId = ops.userId;
    await graphql(gateway, `mutation { suspendMember(userId: "${opsId}") { status } }`, {}, { token: owner.token });
    await settle();
    const suspended = await graphql(gateway, `{ works(first: 1) { totalCount } me { permissions } }`, {}, { token: ops.token });
    expect(codesOf(suspended)).toEqual(['FORBIDDEN']);
    expect(suspended.data?.works ?? null).toBeNull();
    await graphql(gateway, `mutation { reinstateMember(userId: "${opsId}") { status } }`, {}, { token: owner.token });
    await settle();
    expect((await graphql(gateway, `{ works(first: 1) { totalCount } }`, {}, { token: ops.token })).errors).toBeUndefined();
    expect((await graphql(gateway, `mutation { removeMember(userId: "${opsId}") }`, {}, { token: owner.token })).data.removeMember).toBe(opsId);
    await settle();
    expect(codesOf(await graphql(gateway, `{ works(first: 1) { totalCount } }`, {}, { token: ops.token }))).toEqual(['UNAUTHENTICATED']);
  });
});

describe('roles', () => {
  it('lets ENTERPRISE publishers keep custom roles, and no one change a template', async () => {
    const dmp = await login(gateway, 'owner@dmp.demo', DEMO_PASSWORD);
    const created = await graphql(gateway, `mutation { createRole(input: { key: "royalty-analyst", name: "Royalty Analyst", permissions: ["work:read", "audit:read"] }) { key isTemplate permissions } }`, {}, { token: dmp.token });
    expect(created.data.createRole).toEqual({ key: 'royalty-analyst', isTemplate: false, permissions: ['audit:read', 'work:read'] });
    const template = await graphql(gateway, `mutation { updateRole(key: "viewer", input: { name: "Reader" }) { key } }`, {}, { token: dmp.token });
    expect(template.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect((await graphql(gateway, `mutation { deleteRole(key: "royalty-analyst") }`, {}, { token: dmp.token })).data.deleteRole).toBe('royalty-analyst');

    const spirit = await login(gateway, 'owner@spirit.demo', DEMO_PASSWORD, 'spirit');
    const boutique = await graphql(gateway, `mutation { createRole(input: { key: "custom", name: "Custom", permissions: ["work:read"] }) { key } }`, {}, { token: spirit.token });
    expect(codesOf(boutique)).toEqual(['FORBIDDEN']);
    expect(boutique.errors![0]!.message).toContain('BOUTIQUE publishers use the role templates only');
  });

  it('refuses unknown permissions and permissions the caller does not hold', async () => {
    const ops = await login(gateway, 'ops@dmp.demo', DEMO_PASSWORD, 'dmp');
    const unknown = await graphql(gateway, `mutation { createRole(input: { key: "odd", name: "Odd", permissions: ["work:fly"] }) { key } }`, {}, { token: ops.token });
    expect(unknown.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'permissions' } });
    const beyond = await graphql(gateway, `mutation { createRole(input: { key: "payer", name: "Payer", permissions: ["billing:manage"] }) { key } }`, {}, { token: ops.token });
    expect(codesOf(beyond)).toEqual(['FORBIDDEN']);
  });
});

describe('billing and settings', () => {
  it('answer for the active publisher only, not for the member\'s other publishers', async () => {
    // Spirit's owner joined DMP as a Viewer above: publisher:manage and billing:read are Spirit's.
    const owner = await login(gateway, 'owner@spirit.demo', DEMO_PASSWORD, 'spirit');
    const own = await graphql(gateway, `{ publisher(slug: "spirit") { settings account { plan } } }`, {}, { token: owner.token });
    expect(own.errors).toBeUndefined();
    const other = await graphql(gateway, `{ publisher(slug: "dmp") { name settings } }`, {}, { token: owner.token });
    expect(codesOf(other)).toEqual(['FORBIDDEN']);
    expect(other.errors![0]!.message).toContain('switchPublisher');
  });

  it('shows the account to billing:read and refuses a seat limit below the seats in use', async () => {
    const owner = await login(gateway, 'owner@dmp.demo', DEMO_PASSWORD);
    const account = await graphql(gateway, `{ publisher(slug: "dmp") { account { plan seatLimit seatsUsed } } }`, {}, { token: owner.token });
    expect(account.data.publisher.account.plan).toBe('enterprise');
    const below = await graphql(gateway, `mutation { updateBilling(input: { seatLimit: 1 }) { seatLimit } }`, {}, { token: owner.token });
    expect(below.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'seatLimit' } });
    const viewer = await login(gateway, 'viewer@dmp.demo', DEMO_PASSWORD);
    const hidden = await graphql(gateway, `{ publisher(slug: "dmp") { name account { plan } } }`, {}, { token: viewer.token });
    expect(codesOf(hidden)).toEqual(['FORBIDDEN']);
  });
});
