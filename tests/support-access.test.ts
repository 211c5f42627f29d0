import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { DEMO_PASSWORD, demoId } from '@platform/demo-data';
import { codesOf, graphql, startOwnPlatform, type GraphQLResponse, type OwnPlatform } from '@platform/testing';

/**
 * Support access: an operator asks a publisher's Owners for access (reason, duration, permissions),
 * they approve or deny it, a live grant works like a temporary membership with exactly those
 * permissions, shows among the members and in the audit log as support access, expires by itself
 * and can be revoked at once. Break-glass access skips the approval, for one hour, and is told.
 */

let platform: OwnPlatform;
let admin: pg.Client;
let gateway: string;
let operator: string;
let owner: string;

const DMP = demoId('publisher:dmp');
const OPERATOR_ID = demoId('user:operator@platform.demo');

/** The access check is remembered for 500 ms by each service; this waits it out. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 600));

const as = (token: string, document: string, variables: Record<string, unknown> = {}) => graphql(gateway, document, variables, { token });
const fieldOf = (response: GraphQLResponse) => response.errors?.[0]?.extensions?.field;

async function tokenOf(email: string, publisher?: string): Promise<string> {
  const response = await graphql(
    gateway,
    `
      mutation ($i: LoginInput!) {
        login(input: $i) {
          accessToken
        }
      }
    `,
    {
      i: { email, password: DEMO_PASSWORD, ...(publisher ? { publisher } : {}) },
    },
  );
  if (!response.data?.login) throw new Error(`${email} could not sign in: ${JSON.stringify(response.errors)}`);
  return response.data.login.accessToken;
}

const ACCESS = `id status permissions durationMinutes breakGlass requestedAt decidedAt expiresAt revokedAt publisherSlug operatorEmail`;
const REQUEST = `mutation($i: RequestSupportAccessInput!) { requestSupportAccess(input: $i) { ${ACCESS} } }`;
const BREAK_GLASS = `mutation($i: BreakGlassInput!) { breakGlass(input: $i) { ${ACCESS} } }`;
const decision = (verb: 'approve' | 'deny' | 'revoke') => `mutation($id: ID!) { ${verb}SupportAccess(id: $id) { ${ACCESS} } }`;
const SWITCH = `mutation($p: String!) { switchPublisher(publisher: $p) { accessToken activePublisher { slug } } }`;

async function request(input: Partial<Record<string, unknown>> = {}): Promise<{ id: string; status: string }> {
  const asked = await as(operator, REQUEST, {
    i: {
      publisherId: DMP,
      reason: 'Royalty statement shows wrong shares (case 4711)',
      durationMinutes: 60,
      permissions: ['work:read', 'work:write', 'member:read'],
      ...input,
    },
  });
  expect(asked.errors).toBeUndefined();
  return asked.data.requestSupportAccess;
}

/** The operator's session inside DMP, through its support access. */
async function enterDmp(): Promise<string> {
  const switched = await as(operator, SWITCH, { p: 'dmp' });
  expect(switched.errors).toBeUndefined();
  expect(switched.data.switchPublisher.activePublisher.slug).toBe('dmp');
  return switched.data.switchPublisher.accessToken;
}

async function grantRows(): Promise<number> {
  return (await admin.query(`SELECT count(*)::int AS n FROM support_access_grants`)).rows[0].n;
}

/** The publisher's changes after an entry (security events, written in batches, left out). */
async function publisherLog(publisherId: string, since: number): Promise<{ action: string; actor_type: string; actor_user_id: string }[]> {
  const { rows } = await admin.query(
    `SELECT action, actor_type, actor_user_id FROM audit_log WHERE publisher_id = $1 AND seq > $2 AND action NOT LIKE 'security.%' ORDER BY seq`,
    [publisherId, since],
  );
  return rows;
}

async function lastSeq(publisherId: string): Promise<number> {
  return Number((await admin.query(`SELECT coalesce(max(seq), 0) AS s FROM audit_log WHERE publisher_id = $1`, [publisherId])).rows[0].s);
}

beforeAll(async () => {
  platform = await startOwnPlatform(inject('clusterAdminUrl'), 'support_access_spec');
  gateway = platform.a.gatewayUrl;
  admin = platform.admin;
  operator = await tokenOf('operator@platform.demo');
  owner = await tokenOf('owner@dmp.demo');
});

afterAll(async () => {
  await platform?.stop();
});

describe('support access', () => {
  it('is asked for, approved by an Owner, works with exactly its permissions, shows as support access, and is revoked at once', async () => {
    const before = await lastSeq(DMP);
    const mailsBefore = platform.mailer.sent.length;
    const asked = await request();
    expect(asked).toMatchObject({ status: 'REQUESTED', decidedAt: null, expiresAt: null, publisherSlug: 'dmp', breakGlass: false });
    // The publisher's approvers are told: its Owner and the account's Owner, nobody else.
    const told = platform.mailer.sent
      .slice(mailsBefore)
      .map((m) => m.to)
      .sort();
    expect(told).toEqual(['admin@downtown.demo', 'owner@dmp.demo']);

    // Not yet: a request is no access.
    expect(codesOf(await as(operator, SWITCH, { p: 'dmp' }))).toEqual(['FORBIDDEN']);
    const waiting = await as(owner, `{ supportAccessRequests(status: REQUESTED) { id reason operatorEmail } }`);
    expect(waiting.data.supportAccessRequests).toEqual([
      { id: asked.id, reason: 'Royalty statement shows wrong shares (case 4711)', operatorEmail: 'operator@platform.demo' },
    ]);
    // An Admin runs the publisher but does not let outsiders in.
    const ops = await tokenOf('ops@dmp.demo', 'dmp');
    expect(codesOf(await as(ops, decision('approve'), { id: asked.id }))).toEqual(['FORBIDDEN']);

    const approved = await as(owner, decision('approve'), { id: asked.id });
    expect(approved.errors).toBeUndefined();
    const grant = approved.data.approveSupportAccess;
    expect(grant.status).toBe('APPROVED');
    const lasts = Date.parse(grant.expiresAt) - Date.parse(grant.decidedAt);
    expect(lasts).toBe(60 * 60_000);
    expect(platform.mailer.sent.at(-1)).toMatchObject({ to: 'operator@platform.demo' });

    const inside = await enterDmp();
    const works = await as(inside, `{ works(first: 1) { totalCount } }`);
    expect(works.errors).toBeUndefined();
    expect(works.data.works.totalCount).toBeGreaterThan(0);
    // Exactly what was granted: no deleting works, no reading billing.
    expect(codesOf(await as(inside, `mutation($id: ID!) { deleteWork(id: $id) }`, { id: demoId('work:dmp:3') }))).toEqual(['FORBIDDEN']);
    expect(codesOf(await as(inside, `{ account { plan } }`))).toEqual(['FORBIDDEN']);
    const created = await as(inside, `mutation { createWork(input: { title: "Fixed by support" }) { id } }`);
    expect(created.errors).toBeUndefined();

    // Among the members, as what it is.
    const members = await as(owner, `{ members { email roles { key } supportAccess { id permissions expiresAt } } }`);
    const listed = members.data.members.find((m: { email: string }) => m.email === 'operator@platform.demo');
    expect(listed).toEqual({
      email: 'operator@platform.demo',
      roles: [],
      supportAccess: { id: asked.id, permissions: ['member:read', 'work:read', 'work:write'], expiresAt: grant.expiresAt },
    });

    // In the publisher's log: asked (by the operator, from the platform), approved (by the
    // Owner), and the operator's change inside as support access.
    expect((await publisherLog(DMP, before)).map((e) => `${e.action}:${e.actor_type}`)).toEqual([
      'support.requested:PLATFORM_OPERATOR',
      'support.approved:USER',
      'work.created:SUPPORT_ACCESS',
    ]);
    const platformEntries = await admin.query(`SELECT action FROM platform_audit_log WHERE publisher_id = $1 AND data->>'grantId' = $2`, [
      DMP,
      asked.id,
    ]);
    expect(platformEntries.rows).toEqual([{ action: 'support.requested' }]);

    const revoked = await as(owner, decision('revoke'), { id: asked.id });
    expect(revoked.data.revokeSupportAccess.status).toBe('REVOKED');
    await settle();
    expect(codesOf(await as(inside, `{ works(first: 1) { totalCount } }`))).toEqual(['UNAUTHENTICATED']);
    expect(codesOf(await as(operator, SWITCH, { p: 'dmp' }))).toEqual(['FORBIDDEN']);
    const after = await as(owner, `{ members { email } }`);
    expect(after.data.members.map((m: { email: string }) => m.email)).not.toContain('operator@platform.demo');
  });

  it('expires by itself: the session inside answers UNAUTHENTICATED and the grant reads EXPIRED', async () => {
    const asked = await request({ durationMinutes: 30, permissions: ['work:read'] });
    expect((await as(owner, decision('approve'), { id: asked.id })).errors).toBeUndefined();
    const inside = await enterDmp();
    expect((await as(inside, `{ works(first: 1) { totalCount } }`)).errors).toBeUndefined();
    // The clock moved on: the decision 31 minutes ago, the end one minute ago (triggers off for
    // this one superuser statement, which stands in for the time passing).
    await admin.query(`SET session_replication_role = replica`);
    try {
      const moved = await admin.query(
        `UPDATE support_access_grants SET decided_at = now() - interval '31 minutes', expires_at = now() - interval '1 minute' WHERE id = $1`,
        [asked.id],
      );
      expect(moved.rowCount).toBe(1);
    } finally {
      await admin.query(`SET session_replication_role = origin`);
    }
    await settle();
    expect(codesOf(await as(inside, `{ works(first: 1) { totalCount } }`))).toEqual(['UNAUTHENTICATED']);
    const mine = await as(operator, `{ mySupportAccess { id status } }`);
    expect(mine.data.mySupportAccess.find((a: { id: string }) => a.id === asked.id).status).toBe('EXPIRED');
    // An expired grant is not revoked: it is over.
    const late = await as(owner, decision('revoke'), { id: asked.id });
    expect(codesOf(late)).toEqual(['BAD_USER_INPUT']);
    expect(late.errors![0]!.message).toContain('expired');
  });

  it('is decided once: of parallel approvals and denials exactly one wins, and the others are told why', async () => {
    const asked = await request({ permissions: ['work:read'] });
    const second = await tokenOf('admin@downtown.demo', 'dmp');
    const attempts = await Promise.all(
      Array.from({ length: 8 }, (_, i) => as(i % 2 ? owner : second, decision(i % 3 === 0 ? 'deny' : 'approve'), { id: asked.id })),
    );
    const won = attempts.filter((a) => !a.errors);
    expect(won).toHaveLength(1);
    const lost = attempts.filter((a) => a.errors);
    expect(lost.map((a) => codesOf(a)[0])).toEqual(Array(7).fill('BAD_USER_INPUT'));
    expect(new Set(lost.map(fieldOf))).toEqual(new Set(['id']));
    const { rows } = await admin.query(`SELECT status FROM support_access_grants WHERE id = $1`, [asked.id]);
    const winner = (won[0]!.data.approveSupportAccess ?? won[0]!.data.denySupportAccess).status;
    expect(rows[0].status).toBe(winner);
    const decisions = await admin.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE publisher_id = $1 AND action IN ('support.approved', 'support.denied') AND data->>'grantId' = $2`,
      [DMP, asked.id],
    );
    expect(decisions.rows[0].n).toBe(1);
    if (winner === 'APPROVED') await as(owner, decision('revoke'), { id: asked.id });
  });

  it('refuses bad requests, each naming its field, and writes nothing', async () => {
    const rows = await grantRows();
    const valid = { publisherId: DMP, reason: 'A support case that needs a look', durationMinutes: 60, permissions: ['work:read'] };
    for (const [input, field] of [
      [{ reason: 'too short' }, 'reason'],
      [{ durationMinutes: 4 }, 'durationMinutes'],
      [{ durationMinutes: 24 * 60 + 1 }, 'durationMinutes'],
      [{ permissions: [] }, 'permissions'],
      [{ permissions: ['work:read', 'work:fly'] }, 'permissions'],
      [{ permissions: ['platform:read'] }, 'permissions'],
      [{ permissions: ['support:approve'] }, 'permissions'],
    ] as const) {
      const response = await as(operator, REQUEST, { i: { ...valid, ...input } });
      expect(codesOf(response), JSON.stringify(input)).toEqual(['BAD_USER_INPUT']);
      expect(fieldOf(response), JSON.stringify(input)).toBe(field);
    }
    expect(codesOf(await as(operator, REQUEST, { i: { ...valid, publisherId: demoId('publisher:nowhere') } }))).toEqual(['NOT_FOUND']);
    expect(await grantRows()).toBe(rows);
  });

  it('is invisible to another publisher, and grants nothing outside its own', async () => {
    const asked = await request({ permissions: ['work:read'] });
    expect((await as(owner, decision('approve'), { id: asked.id })).errors).toBeUndefined();
    // Sheer's owner (also of the Downtown account, but in Sheer now) sees none of DMP's requests
    // and cannot decide them.
    const sheer = await tokenOf('owner@sheer.demo', 'sheer');
    expect((await as(sheer, `{ supportAccessRequests { id } }`)).data.supportAccessRequests).toEqual([]);
    expect(codesOf(await as(sheer, decision('revoke'), { id: asked.id }))).toEqual(['NOT_FOUND']);
    expect((await as(sheer, `{ members { email } }`)).data.members.map((m: { email: string }) => m.email)).not.toContain(
      'operator@platform.demo',
    );
    // The grant is DMP's only.
    expect(codesOf(await as(operator, SWITCH, { p: 'sheer' }))).toEqual(['FORBIDDEN']);
    // Row-level security: in Spirit's scope the grant does not exist.
    const client = new pg.Client({ connectionString: platform.urls.apiUrl });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT set_config('app.publisher_id', $1, true)`, [demoId('publisher:spirit')]);
      const seen = await client.query(`SELECT count(*)::int AS n FROM support_access_grants`);
      expect(seen.rows[0].n).toBe(0);
      await client.query('ROLLBACK');
    } finally {
      await client.end();
    }
    // A member without support:approve cannot list them.
    const viewer = await tokenOf('viewer@dmp.demo');
    expect(codesOf(await as(viewer, `{ supportAccessRequests { id } }`))).toEqual(['FORBIDDEN']);
    await as(owner, decision('revoke'), { id: asked.id });
  });

  it('is never changed or approved by the operator themselves, in the database', async () => {
    const asked = await request({ permissions: ['work:read'] });
    const client = new pg.Client({ connectionString: platform.urls.apiUrl });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT set_config('app.publisher_id', $1, true), set_config('app.user_id', $2, true)`, [DMP, OPERATOR_ID]);
      await expect(
        client.query(`UPDATE support_access_grants SET status = 'APPROVED', decided_by = user_id WHERE id = $1`, [asked.id]),
      ).rejects.toThrow(/support_access_grants/);
      await client.query('ROLLBACK');
      await client.query('BEGIN');
      await client.query(`SELECT set_config('app.publisher_id', $1, true)`, [DMP]);
      await expect(
        client.query(`UPDATE support_access_grants SET permissions = '{work:read,work:delete}' WHERE id = $1`, [asked.id]),
      ).rejects.toThrow(/permission denied|never changes/);
      await client.query('ROLLBACK');
    } finally {
      await client.end();
    }
    await as(owner, decision('deny'), { id: asked.id });
  });
});

describe('break-glass access', () => {
  it('is refused to platform support, needs a reason, and for an operator starts at once for one hour, told and logged twice', async () => {
    const support = await tokenOf('support@platform.demo');
    const input = { publisherId: DMP, reason: 'Catalog sync outage, owner unreachable (P1)', permissions: ['work:read'] };
    expect(codesOf(await as(support, BREAK_GLASS, { i: input }))).toEqual(['FORBIDDEN']);
    expect(fieldOf(await as(operator, BREAK_GLASS, { i: { ...input, reason: 'now' } }))).toBe('reason');

    const before = await lastSeq(DMP);
    const mailsBefore = platform.mailer.sent.length;
    const broken = await as(operator, BREAK_GLASS, { i: input });
    expect(broken.errors).toBeUndefined();
    const grant = broken.data.breakGlass;
    expect(grant).toMatchObject({ status: 'APPROVED', breakGlass: true, durationMinutes: 60 });
    expect(Date.parse(grant.expiresAt) - Date.parse(grant.decidedAt)).toBe(60 * 60_000);
    const told = platform.mailer.sent.slice(mailsBefore);
    expect(told.map((m) => m.to).sort()).toEqual(['admin@downtown.demo', 'owner@dmp.demo']);
    expect(told[0]!.subject).toContain('Break-glass');
    expect(told[0]!.text).toContain('Catalog sync outage');

    const inside = await enterDmp();
    expect((await as(inside, `{ works(first: 1) { totalCount } }`)).errors).toBeUndefined();
    expect(await publisherLog(DMP, before)).toEqual([
      { action: 'support.break_glass', actor_type: 'PLATFORM_OPERATOR', actor_user_id: OPERATOR_ID },
    ]);
    const logged = await admin.query(
      `SELECT actor_user_id FROM platform_audit_log WHERE action = 'support.break_glass' AND data->>'grantId' = $1`,
      [grant.id],
    );
    expect(logged.rows).toEqual([{ actor_user_id: OPERATOR_ID }]);
    // The Owners can end it at once.
    expect((await as(owner, decision('revoke'), { id: grant.id })).data.revokeSupportAccess.status).toBe('REVOKED');
    await settle();
    expect(codesOf(await as(inside, `{ works(first: 1) { totalCount } }`))).toEqual(['UNAUTHENTICATED']);
  });
});
