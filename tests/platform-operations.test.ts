import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { DEMO_PASSWORD, demoId } from '@platform/demo-data';
import { templatesFor } from '@platform/permissions';
import { codesOf, graphql, inScopeAs, login, startOwnPlatform, type GraphQLResponse, type OwnPlatform } from '@platform/testing';

/**
 * Platform operations: operators above publishers (a session in no publisher, platform roles from
 * the same catalog), and the publisher lifecycle they run: accounts and publishers created with
 * their templates, the first Owner invited, suspension, type changes and subscription status,
 * each audited in the platform's log and the publisher's.
 */

let platform: OwnPlatform;
let admin: pg.Client;
let gateway: string;
let operator: string;
let support: string;

/** The access check is remembered for 500 ms by each service; this waits it out. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 600));

async function signIn(email: string, publisher?: string): Promise<GraphQLResponse> {
  return graphql(
    gateway,
    `
      mutation ($i: LoginInput!) {
        login(input: $i) {
          accessToken
          platformRole
          activePublisher {
            slug
          }
          user {
            id
          }
        }
      }
    `,
    { i: { email, password: DEMO_PASSWORD, ...(publisher ? { publisher } : {}) } },
  );
}

async function tokenOf(email: string, publisher?: string): Promise<string> {
  const response = await signIn(email, publisher);
  if (!response.data?.login) throw new Error(`${email} could not sign in: ${JSON.stringify(response.errors)}`);
  return response.data.login.accessToken;
}

const as = (token: string, document: string, variables: Record<string, unknown> = {}) => graphql(gateway, document, variables, { token });
const fieldOf = (response: GraphQLResponse) => response.errors?.[0]?.extensions?.field;
const reasonOf = (response: GraphQLResponse) => response.errors?.[0]?.extensions?.reason;

const CREATE_ACCOUNT = `mutation($i: CreateAccountInput!) { createAccount(input: $i) { id plan status } }`;
const CREATE_PUBLISHER = `mutation($i: CreatePublisherInput!) {
  createPublisher(input: $i) { id slug type status seatsUsed account { id plan } } }`;

async function newAccount(name: string, plan: string): Promise<string> {
  const created = await as(operator, CREATE_ACCOUNT, { i: { name, plan } });
  expect(created.errors).toBeUndefined();
  return created.data.createAccount.id;
}

async function newPublisher(accountId: string, slug: string, type: string): Promise<string> {
  const created = await as(operator, CREATE_PUBLISHER, { i: { accountId, slug, name: `${slug} Music`, type } });
  expect(created.errors).toBeUndefined();
  return created.data.createPublisher.id;
}

async function platformLog(publisherId: string): Promise<{ action: string; actorUserId: string }[]> {
  const { rows } = await admin.query(
    `SELECT action, actor_user_id AS "actorUserId" FROM platform_audit_log WHERE publisher_id = $1 ORDER BY sequence`,
    [publisherId],
  );
  return rows;
}

async function publisherLog(publisherId: string): Promise<{ action: string; actor_type: string; actor_user_id: string }[]> {
  const { rows } = await admin.query(`SELECT action, actor_type, actor_user_id FROM audit_log WHERE publisher_id = $1 ORDER BY seq`, [
    publisherId,
  ]);
  return rows;
}

beforeAll(async () => {
  platform = await startOwnPlatform(inject('clusterAdminUrl'), 'platform_ops_spec');
  gateway = platform.a.gatewayUrl;
  admin = platform.admin;
  operator = await tokenOf('operator@platform.demo');
  support = await tokenOf('support@platform.demo');
});

afterAll(async () => {
  await platform?.stop();
});

describe('platform operators', () => {
  it('sign in to a session in no publisher, with their platform role and its permissions only', async () => {
    const signedIn = await signIn('operator@platform.demo');
    expect(signedIn.data.login).toMatchObject({ platformRole: 'platform:operator', activePublisher: null });
    const claims = JSON.parse(Buffer.from(signedIn.data.login.accessToken.split('.')[1], 'base64url').toString());
    expect(claims.pub).toBeUndefined();
    expect(claims.scp).toBe('platform');
    const me = await as(operator, `{ me { email } }`);
    expect(me.data.me.email).toBe('operator@platform.demo');
    // Someone of a publisher cannot choose the platform; an operator can name it.
    expect(codesOf(await signIn('owner@dmp.demo', 'platform'))).toEqual(['BAD_USER_INPUT']);
    expect((await signIn('support@platform.demo', 'platform')).data.login.platformRole).toBe('platform:support');
  });

  it("never see a publisher's catalog or members by being operators, in the rules and in the database", async () => {
    for (const document of [
      `{ works(first: 1) { totalCount } }`,
      `{ members { email } }`,
      `{ publishers { slug } }`,
      `{ auditLog { totalCount } }`,
    ]) {
      const response = await as(operator, document);
      expect(codesOf(response), document).toEqual(['FORBIDDEN']);
      expect(response.data ?? null, document).toBeNull();
    }
    // Layer 3 alone: the operator's scope (their user, no publisher) reads no row of a tenant table.
    const tables = [
      'works',
      'songwriters',
      'recordings',
      'work_writers',
      'user_publishers',
      'roles',
      'membership_roles',
      'invitations',
      'audit_log',
      'outbox',
    ];
    for (const table of tables) {
      const { rows } = await inScopeAs(platform.urls.apiUrl, { publisherId: '', userId: demoId('user:operator@platform.demo') }, (c) =>
        c.query(`SELECT count(*)::int AS n FROM ${table}`),
      );
      expect(rows[0].n, table).toBe(0);
    }
  });

  it("refuse platform operations to a publisher's Owner, and onboarding to support staff", async () => {
    const owner = (await login(gateway, 'owner@spirit.demo', DEMO_PASSWORD)).token;
    const listed = await as(owner, `{ platformPublishers { totalCount } }`);
    expect(codesOf(listed)).toEqual(['FORBIDDEN']);
    expect(listed.errors?.[0]?.message).toMatch(/platform operators/);
    expect(codesOf(await as(owner, CREATE_ACCOUNT, { i: { name: 'Sneaky', plan: 'boutique' } }))).toEqual(['FORBIDDEN']);
    expect((await as(support, `{ platformPublishers { totalCount } }`)).data.platformPublishers.totalCount).toBe(4);
    expect(codesOf(await as(support, CREATE_ACCOUNT, { i: { name: 'Not mine', plan: 'boutique' } }))).toEqual(['FORBIDDEN']);
    expect((await admin.query(`SELECT count(*)::int AS n FROM accounts WHERE name IN ('Sneaky', 'Not mine')`)).rows[0].n).toBe(0);
  });

  it('lose what their role granted within the access cache once the role is revoked', async () => {
    const token = await tokenOf('support@platform.demo');
    await admin.query(`DELETE FROM platform_staff WHERE user_id = $1`, [demoId('user:support@platform.demo')]);
    try {
      await settle();
      const refused = await as(token, `{ platformPublishers { totalCount } }`);
      expect(codesOf(refused)).toEqual(['UNAUTHENTICATED']);
    } finally {
      await admin.query(`INSERT INTO platform_staff (user_id, role_key, granted_by) VALUES ($1, 'platform:support', 'spec')`, [
        demoId('user:support@platform.demo'),
      ]);
    }
  });
});

describe('onboarding', () => {
  it('creates an account and a publisher with the role templates of its type, audited in both logs', async () => {
    const accountId = await newAccount('North Music Group', 'boutique');
    const publisherId = await newPublisher(accountId, 'north-music', 'BOUTIQUE');
    const { rows: roles } = await admin.query(`SELECT key FROM roles WHERE publisher_id = $1 AND is_template ORDER BY key`, [publisherId]);
    expect(roles.map((r) => r.key)).toEqual(
      templatesFor('BOUTIQUE')
        .map((t) => t.key)
        .sort(),
    );
    const operatorId = demoId('user:operator@platform.demo');
    expect(await platformLog(publisherId)).toEqual([{ action: 'publisher.created', actorUserId: operatorId }]);
    expect(await publisherLog(publisherId)).toEqual([
      { action: 'publisher.created', actor_type: 'PLATFORM_OPERATOR', actor_user_id: operatorId },
    ]);
  });

  it('refuses a bad or taken slug, a type the plan is not for, and an unknown account, creating nothing', async () => {
    const accountId = await newAccount('Refusals Ltd', 'boutique');
    const before = (await admin.query(`SELECT count(*)::int AS n FROM publishers`)).rows[0].n;
    const attempts: [Record<string, unknown>, string, string][] = [
      [{ accountId, slug: 'Bad Slug', name: 'x', type: 'BOUTIQUE' }, 'BAD_USER_INPUT', 'slug'],
      [{ accountId, slug: 'platform', name: 'x', type: 'BOUTIQUE' }, 'BAD_USER_INPUT', 'slug'],
      [{ accountId, slug: 'dmp', name: 'x', type: 'BOUTIQUE' }, 'BAD_USER_INPUT', 'slug'],
      [{ accountId, slug: 'refused-type', name: 'x', type: 'ENTERPRISE' }, 'BAD_USER_INPUT', 'type'],
      [{ accountId, slug: 'refused-name', name: '   ', type: 'BOUTIQUE' }, 'BAD_USER_INPUT', 'name'],
      [{ accountId: demoId('account:nowhere'), slug: 'orphan', name: 'x', type: 'BOUTIQUE' }, 'NOT_FOUND', ''],
    ];
    for (const [input, code, field] of attempts) {
      const response = await as(operator, CREATE_PUBLISHER, { i: input });
      expect(codesOf(response), JSON.stringify(input)).toEqual([code]);
      if (field) expect(fieldOf(response), JSON.stringify(input)).toBe(field);
    }
    expect((await admin.query(`SELECT count(*)::int AS n FROM publishers`)).rows[0].n).toBe(before);
  });

  it('creates one publisher of eight parallel requests for the same slug', async () => {
    const accountId = await newAccount('Race Records', 'boutique');
    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        as(operator, CREATE_PUBLISHER, { i: { accountId, slug: 'race-records', name: 'Race', type: 'BOUTIQUE' } }),
      ),
    );
    expect(responses.filter((r) => r.data?.createPublisher).length).toBe(1);
    expect(responses.filter((r) => codesOf(r)[0] === 'BAD_USER_INPUT' && fieldOf(r) === 'slug').length).toBe(7);
    expect((await admin.query(`SELECT count(*)::int AS n FROM publishers WHERE slug = 'race-records'`)).rows[0].n).toBe(1);
  });

  it('invites the first Owner, who joins through the invitation flow; a publisher with an Owner invites its own people', async () => {
    const accountId = await newAccount('First Owner Songs', 'boutique');
    const publisherId = await newPublisher(accountId, 'first-owner', 'BOUTIQUE');
    const INVITE = `mutation($p: ID!, $e: String!) { inviteFirstOwner(publisherId: $p, email: $e) { id email publisherId } }`;
    const invited = await as(operator, INVITE, { p: publisherId, e: 'Founder@First-Owner.example' });
    expect(invited.data.inviteFirstOwner).toMatchObject({ email: 'founder@first-owner.example', publisherId });
    const mail = platform.mailer.sent.find((m) => m.to === 'founder@first-owner.example')!;
    const token = /token=([\w-]+)/.exec(mail.text)![1];
    const accepted = await graphql(
      gateway,
      `
        mutation ($t: String!) {
          acceptInvitation(input: { token: $t, displayName: "Fay Founder", password: "founder-password-2026" }) {
            accessToken
            activePublisher {
              slug
            }
          }
        }
      `,
      { t: token },
    );
    expect(accepted.data.acceptInvitation.activePublisher.slug).toBe('first-owner');
    const members = await as(accepted.data.acceptInvitation.accessToken, `{ members { email roles { key } } }`);
    expect(members.data.members).toEqual([{ email: 'founder@first-owner.example', roles: [{ key: 'owner' }] }]);
    const again = await as(operator, INVITE, { p: publisherId, e: 'second@first-owner.example' });
    expect(codesOf(again)).toEqual(['BAD_USER_INPUT']);
    expect(
      (await publisherLog(publisherId))
        // Security events (the sign-in) reach the log within a flush; they are not what this checks.
        .filter((e) => !e.action.startsWith('security.'))
        .map((e) => `${e.action}:${e.actor_type}`),
    ).toEqual(['publisher.created:PLATFORM_OPERATOR', 'member.first_owner_invited:PLATFORM_OPERATOR', 'member.joined:USER']);
  });
});

describe('lifecycle', () => {
  const SUSPEND = `mutation($p: ID!, $r: String!) { suspendPublisher(publisherId: $p, reason: $r) { status suspendedReason } }`;
  const REACTIVATE = `mutation($p: ID!) { reactivatePublisher(publisherId: $p) { status suspendedReason } }`;

  it('suspends a publisher: nobody in it holds a permission and sign-in says why; reactivation restores it', async () => {
    const spirit = demoId('publisher:spirit');
    const owner = (await login(gateway, 'owner@spirit.demo', DEMO_PASSWORD)).token;
    expect((await as(owner, `{ works(first: 1) { totalCount } }`)).data.works.totalCount).toBeGreaterThan(0);
    const suspended = await as(operator, SUSPEND, { p: spirit, r: 'Unpaid since March; call accounts' });
    expect(suspended.data.suspendPublisher).toEqual({ status: 'SUSPENDED', suspendedReason: 'Unpaid since March; call accounts' });
    try {
      await settle();
      const refused = await as(owner, `{ works(first: 1) { totalCount } }`);
      expect(codesOf(refused)).toEqual(['FORBIDDEN']);
      expect(reasonOf(refused)).toBe('PUBLISHER_SUSPENDED');
      const refusedSignIn = await signIn('owner@spirit.demo');
      expect(codesOf(refusedSignIn)).toEqual(['FORBIDDEN']);
      expect(reasonOf(refusedSignIn)).toBe('PUBLISHER_SUSPENDED');
      expect(refusedSignIn.errors?.[0]?.message).toContain('Unpaid since March');
      // A stranger learns nothing of it.
      expect((await signIn('owner@dmp.demo', 'spirit')).errors?.[0]?.message).not.toContain('suspended');
      expect(codesOf(await as(operator, SUSPEND, { p: spirit, r: 'twice' }))).toEqual(['BAD_USER_INPUT']);
    } finally {
      expect((await as(operator, REACTIVATE, { p: spirit })).data.reactivatePublisher).toEqual({ status: 'ACTIVE', suspendedReason: null });
    }
    await settle();
    expect((await as(owner, `{ works(first: 1) { totalCount } }`)).data.works.totalCount).toBeGreaterThan(0);
    expect((await publisherLog(spirit)).filter((e) => e.actor_type === 'PLATFORM_OPERATOR').map((e) => e.action)).toEqual([
      'publisher.suspended',
      'publisher.reactivated',
    ]);
  });

  it("keeps a publisher's status and type out of its own admins' reach, in the database too", async () => {
    const spirit = demoId('publisher:spirit');
    const owner = demoId('user:owner@spirit.demo');
    for (const change of [`status = 'SUSPENDED'`, `type = 'ENTERPRISE'`]) {
      await expect(
        inScopeAs(platform.urls.apiUrl, { publisherId: spirit, userId: owner }, (c) =>
          c.query(`UPDATE publishers SET ${change} WHERE id = $1`, [spirit]),
        ),
        change,
      ).rejects.toThrow(/Only a platform operator/);
    }
  });

  it('changes a publisher type with its templates, and refuses with every reason what the new type forbids', async () => {
    const CHANGE = `mutation($i: ChangePublisherTypeInput!) { changePublisherType(input: $i) { type account { plan } } }`;
    const songtrust = demoId('publisher:songtrust');
    const wrongSlug = await as(operator, CHANGE, { i: { publisherId: songtrust, type: 'BOUTIQUE', confirmSlug: 'songtrus' } });
    expect(codesOf(wrongSlug)).toEqual(['BAD_USER_INPUT']);
    expect(fieldOf(wrongSlug)).toBe('confirmSlug');
    // Songtrust's client holds the Client role, which a BOUTIQUE publisher does not have.
    const blocked = await as(operator, CHANGE, { i: { publisherId: songtrust, type: 'BOUTIQUE', confirmSlug: 'songtrust' } });
    expect(codesOf(blocked)).toEqual(['BAD_USER_INPUT']);
    expect(blocked.errors?.[0]?.message).toMatch(/hold the Client role/);
    expect((await admin.query(`SELECT type FROM publishers WHERE id = $1`, [songtrust])).rows[0].type).toBe('PLATFORM');
    // A new PLATFORM publisher without members becomes BOUTIQUE: the Client template goes.
    const accountId = await newAccount('Shifting Sands', 'platform');
    const publisherId = await newPublisher(accountId, 'shifting-sands', 'PLATFORM');
    const changed = await as(operator, CHANGE, { i: { publisherId, type: 'BOUTIQUE', confirmSlug: 'shifting-sands' } });
    expect(changed.data.changePublisherType).toEqual({ type: 'BOUTIQUE', account: { plan: 'boutique' } });
    const { rows } = await admin.query(`SELECT key FROM roles WHERE publisher_id = $1 AND is_template ORDER BY key`, [publisherId]);
    expect(rows.map((r) => r.key)).toEqual(
      templatesFor('BOUTIQUE')
        .map((t) => t.key)
        .sort(),
    );
    expect((await platformLog(publisherId)).map((e) => e.action)).toEqual(['publisher.created', 'publisher.type_changed']);
  });

  it("sets an account's subscription status: every publisher of it is read-only past due, and both logs say who did it", async () => {
    const SET = `mutation($a: ID!, $s: SubscriptionStatus!, $t: DateTime) { setSubscriptionStatus(accountId: $a, status: $s, trialEndsAt: $t) { status trialEndsAt } }`;
    const downtown = demoId('account:downtown');
    expect(codesOf(await as(operator, SET, { a: downtown, s: 'TRIALING' }))).toEqual(['BAD_USER_INPUT']);
    expect((await as(operator, SET, { a: downtown, s: 'PAST_DUE' })).data.setSubscriptionStatus.status).toBe('PAST_DUE');
    try {
      await settle();
      const owner = (await login(gateway, 'owner@sheer.demo', DEMO_PASSWORD)).token;
      const refused = await as(owner, `mutation { createWork(input: { title: "Overdue" }) { id } }`);
      expect(reasonOf(refused)).toBe('ACCOUNT_PAST_DUE');
    } finally {
      await as(operator, SET, { a: downtown, s: 'ACTIVE' });
    }
    for (const slug of ['dmp', 'sheer']) {
      const entries = (await publisherLog(demoId(`publisher:${slug}`))).filter((e) => e.action === 'account.subscription_changed');
      expect(
        entries.map((e) => e.actor_type),
        slug,
      ).toEqual(['PLATFORM_OPERATOR', 'PLATFORM_OPERATOR']);
    }
  });

  it('lists every publisher with its account, seats and last activity, filtered and paged', async () => {
    const LIST = `query($f: PlatformPublisherFilter, $after: String) {
      platformPublishers(filter: $f, first: 2, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { node { slug type status seatsUsed lastActivityAt account { name plan status } } } } }`;
    const enterprise = await as(support, LIST, { f: { type: 'ENTERPRISE' } });
    expect(enterprise.data.platformPublishers.totalCount).toBe(2);
    expect(enterprise.data.platformPublishers.edges.map((e: { node: { slug: string } }) => e.node.slug)).toEqual(['dmp', 'sheer']);
    const dmp = enterprise.data.platformPublishers.edges[0].node;
    expect(dmp.account).toEqual({ name: 'Downtown Music Holdings', plan: 'enterprise', status: 'ACTIVE' });
    expect(dmp.seatsUsed).toBe(
      (
        await admin.query(`SELECT count(*)::int AS n FROM user_publishers WHERE publisher_id = $1 AND status = 'ACTIVE'`, [
          demoId('publisher:dmp'),
        ])
      ).rows[0].n,
    );
    expect(dmp.lastActivityAt).not.toBeNull();
    const all: string[] = [];
    let after: string | null = null;
    do {
      const page: GraphQLResponse = await as(support, LIST, { f: {}, after });
      all.push(...page.data.platformPublishers.edges.map((e: { node: { slug: string } }) => e.node.slug));
      after = page.data.platformPublishers.pageInfo.hasNextPage ? page.data.platformPublishers.pageInfo.endCursor : null;
    } while (after);
    const { rows } = await admin.query(`SELECT slug FROM publishers ORDER BY slug`);
    expect(all).toEqual(rows.map((r) => r.slug));
    expect(
      (await as(support, LIST, { f: { search: 'SHEE' } })).data.platformPublishers.edges.map(
        (e: { node: { slug: string } }) => e.node.slug,
      ),
    ).toEqual(['sheer']);
  });

  it("keeps the platform's audit log from every publisher's members and append-only", async () => {
    const spirit = demoId('publisher:spirit');
    const { rows } = await inScopeAs(platform.urls.apiUrl, { publisherId: spirit, userId: demoId('user:owner@spirit.demo') }, (c) =>
      c.query(`SELECT count(*)::int AS n FROM platform_audit_log`),
    );
    expect(rows[0].n).toBe(0);
    expect(
      (await admin.query(`SELECT count(*)::int AS n FROM platform_audit_log WHERE publisher_id = $1`, [spirit])).rows[0].n,
    ).toBeGreaterThan(0);
    await expect(admin.query(`DELETE FROM platform_audit_log`)).rejects.toThrow(/append-only/);
    const log = await as(support, `{ platformAuditLog(first: 3) { totalCount edges { node { action actorUserId } } } }`);
    expect(log.data.platformAuditLog.totalCount).toBeGreaterThan(3);
  });
});
