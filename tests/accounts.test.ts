import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { DEMO_PASSWORD, demoId } from '@platform/demo-data';
import { codesOf, graphql, inScopeAs, login, startOwnPlatform, type OwnPlatform, type Session } from '@platform/testing';

/**
 * Accounts and subscriptions: plans as data, seats across every publisher of an account, the
 * plan's limits and features, and the subscription's standing, set by the billing provider's
 * signed webhook and enforced by the access check of every subgraph.
 */

const SECRET = 'whsec-accounts-spec';
let platform: OwnPlatform;
let admin: pg.Client;
let gateway: string;

beforeAll(async () => {
  platform = await startOwnPlatform(inject('clusterAdminUrl'), 'accounts_spec', { billingWebhookSecret: SECRET });
  gateway = platform.a.gatewayUrl;
  admin = platform.admin;
});

afterAll(async () => {
  await platform?.stop();
});

const DOWNTOWN = demoId('account:downtown');
const SPIRIT = demoId('account:spirit');
/** The access check is remembered for 500 ms by each service; this waits it out. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 600));

const ACCOUNT = `{
  account {
    id plan status trialEndsAt seatLimit seatsUsed
    planDetails { key name publisherType seatLimit partnerClientLimit features }
    publishers { slug seatsUsed partnerClients }
    usage { seatsUsed seatLimit partnerClients partnerClientLimit apiCallsPerMonthLimit }
  }
}`;
const CHANGE_PLAN = `mutation($p: String!) { changePlan(plan: $p) { plan seatLimit planDetails { features } } }`;
const INVITE = `mutation($e: String!) { inviteMember(input: { email: $e, roles: ["viewer"] }) { id } }`;
const CREATE_WORK = `mutation { createWork(input: { title: "Standing" }) { id } }`;

/** People of an account, each once, counted here from the tables themselves. */
async function peopleOf(account: string): Promise<number> {
  const { rows } = await admin.query(
    `SELECT count(*)::int AS n FROM (
       SELECT lower(u.email) FROM user_publishers m JOIN publishers p ON p.id = m.publisher_id JOIN users u ON u.id = m.user_id
        WHERE p.account_id = $1 AND m.status = 'ACTIVE'
       UNION
       SELECT lower(i.email) FROM invitations i JOIN publishers p ON p.id = i.publisher_id
        WHERE p.account_id = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()
       UNION
       SELECT lower(u.email) FROM account_members am JOIN users u ON u.id = am.user_id WHERE am.account_id = $1) people`,
    [account],
  );
  return rows[0].n;
}

async function auditActions(session: Session, action: string): Promise<{ actor: unknown; data: any }[]> {
  const log = await graphql(
    gateway,
    `
      {
        auditLog(first: 50) {
          edges {
            node {
              action
              actor {
                id
              }
              data
            }
          }
        }
      }
    `,
    {},
    { token: session.token },
  );
  return log.data.auditLog.edges.map((e: { node: unknown }) => e.node).filter((n: { action: string }) => n.action === action);
}

describe('the account', () => {
  it('counts a person once across the publishers of the account, and shows each publisher', async () => {
    const owner = await login(gateway, 'owner@dmp.demo', DEMO_PASSWORD);
    const { data, errors } = await graphql(gateway, ACCOUNT, {}, { token: owner.token });
    expect(errors).toBeUndefined();
    const account = data.account;
    expect(account).toMatchObject({ id: DOWNTOWN, plan: 'enterprise', status: 'ACTIVE', trialEndsAt: null, seatLimit: 1000 });
    expect(account.planDetails).toMatchObject({
      publisherType: 'ENTERPRISE',
      features: ['CUSTOM_ROLES', 'DIRECTORY_SIGN_IN', 'PARTNER_API'],
    });
    // ops@dmp.demo is a member of both: counted in each publisher, once in the account, which also
    // counts admin@downtown.demo (a role in the account, a member of neither).
    expect(account.publishers).toEqual([
      { slug: 'dmp', seatsUsed: 3, partnerClients: 0 },
      { slug: 'sheer', seatsUsed: 2, partnerClients: 0 },
    ]);
    expect(account.seatsUsed).toBe(await peopleOf(DOWNTOWN));
    expect(account.seatsUsed).toBe(3 + 2 - 1 + 1);
    expect(account.usage).toMatchObject({
      seatsUsed: account.seatsUsed,
      seatLimit: 1000,
      partnerClientLimit: 25,
      apiCallsPerMonthLimit: 10000000,
    });
  });

  it("shows another account's publishers to no one: the outsider's own account only, and nothing without billing:read", async () => {
    const spirit = await login(gateway, 'owner@spirit.demo', DEMO_PASSWORD, 'spirit');
    const own = await graphql(gateway, ACCOUNT, {}, { token: spirit.token });
    expect(own.data.account.id).toBe(SPIRIT);
    expect(own.data.account.publishers.map((p: { slug: string }) => p.slug)).toEqual(['spirit']);
    expect(JSON.stringify(own.data)).not.toMatch(/dmp|sheer/);
    const viewer = await login(gateway, 'viewer@dmp.demo', DEMO_PASSWORD);
    const refused = await graphql(gateway, ACCOUNT, {}, { token: viewer.token });
    expect(codesOf(refused)).toEqual(['FORBIDDEN']);
    expect(refused.data).toBeNull();
  });

  it('keeps billing events to the scope of their own account', async () => {
    await admin.query(
      `INSERT INTO billing_events (id, account_id, type, occurred_at, applied) VALUES ('evt-scope-check', $1, 'test', now() - interval '1 year', false)`,
      [DOWNTOWN],
    );
    const seen = (publisher: string) =>
      inScopeAs(platform.urls.apiUrl, { publisherId: demoId(`publisher:${publisher}`) }, async (api) => {
        return (await api.query(`SELECT id FROM billing_events WHERE id = 'evt-scope-check'`)).rows.length;
      });
    expect(await seen('sheer')).toBe(1);
    expect(await seen('spirit')).toBe(0);
    await inScopeAs(platform.urls.apiUrl, { publisherId: demoId('publisher:spirit') }, async (api) => {
      await expect(
        api.query(`INSERT INTO billing_events (id, account_id, type, occurred_at, applied) VALUES ('evt-forged', $1, 'x', now(), true)`, [
          DOWNTOWN,
        ]),
      ).rejects.toThrow(/row-level security/);
    });
  });
});

describe('seats across the account', () => {
  beforeAll(async () => {
    await admin.query(`UPDATE accounts SET seat_limit = $2 WHERE id = $1`, [DOWNTOWN, await peopleOf(DOWNTOWN)]);
  });
  afterAll(async () => {
    await admin.query(`UPDATE invitations SET revoked_at = now() WHERE email LIKE 'seat-%@example.com' AND revoked_at IS NULL`);
    await admin.query(`UPDATE accounts SET seat_limit = NULL WHERE id = $1`, [DOWNTOWN]);
  });

  it('lets a member of one publisher be invited to another without a seat, and no new person in', async () => {
    const sheer = await login(gateway, 'owner@sheer.demo', DEMO_PASSWORD);
    expect(codesOf(await graphql(gateway, INVITE, { e: 'seat-new@example.com' }, { token: sheer.token }))).toEqual(['BAD_USER_INPUT']);
    const viewer = await graphql(gateway, INVITE, { e: 'viewer@dmp.demo' }, { token: sheer.token });
    expect(viewer.errors).toBeUndefined();
  });

  it('gives the last seat of the account to one of parallel invitations from both publishers', async () => {
    await admin.query(`UPDATE accounts SET seat_limit = $2 WHERE id = $1`, [DOWNTOWN, (await peopleOf(DOWNTOWN)) + 1]);
    const dmp = await login(gateway, 'owner@dmp.demo', DEMO_PASSWORD);
    const sheer = await login(gateway, 'owner@sheer.demo', DEMO_PASSWORD);
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        graphql(i % 2 ? platform.b.gatewayUrl : gateway, INVITE, { e: `seat-${i}@example.com` }, { token: (i % 2 ? sheer : dmp).token }),
      ),
    );
    expect(answers.filter((a) => a.data?.inviteMember).length).toBe(1);
    for (const refused of answers.filter((a) => a.errors)) {
      expect(refused.errors![0]).toMatchObject({
        extensions: { code: 'BAD_USER_INPUT' },
        message: expect.stringMatching(/seats of the account/),
      });
    }
    const { rows } = await admin.query(`SELECT seat_limit FROM accounts WHERE id = $1`, [DOWNTOWN]);
    expect(await peopleOf(DOWNTOWN)).toBe(rows[0].seat_limit);
  });
});

describe('plans', () => {
  let spirit: Session;
  beforeAll(async () => {
    spirit = await login(gateway, 'owner@spirit.demo', DEMO_PASSWORD, 'spirit');
  });

  it('lists the plans of the publishers type, and moves the account to one at once, audited', async () => {
    const plans = await graphql(
      gateway,
      `
        {
          plans {
            key
            publisherType
            features
          }
        }
      `,
      {},
      { token: spirit.token },
    );
    expect(plans.data.plans.map((p: { key: string }) => p.key)).toEqual(['boutique', 'boutique-plus']);
    const directory = `{ directory { bindDn } }`;
    // Valid but for its sync interval: past the plan check, it is refused before anything is stored.
    const configure = `mutation {
      configureDirectory(input: {
        urls: ["ldaps://127.0.0.1:1"], security: LDAPS, bindDn: "cn=sync,dc=spirit,dc=example", bindPassword: "x",
        userBaseDn: "dc=spirit,dc=example", loginAttribute: USER_PRINCIPAL_NAME, emailDomains: ["spirit.example"],
        signInMode: HYBRID, groupMappings: [], syncIntervalMinutes: 1 }) { bindDn }
    }`;
    const before = await graphql(gateway, configure, {}, { token: spirit.token });
    expect(before.errors?.[0]).toMatchObject({
      message: expect.stringContaining('The Boutique plan does not include directory sign-in'),
      extensions: { code: 'FORBIDDEN', reason: 'PLAN_FEATURE_MISSING' },
    });
    const changed = await graphql(gateway, CHANGE_PLAN, { p: 'boutique-plus' }, { token: spirit.token });
    expect(changed.data.changePlan).toEqual({
      plan: 'boutique-plus',
      seatLimit: 60,
      planDetails: { features: ['DIRECTORY_SIGN_IN', 'PARTNER_API'] },
    });
    // The same request now passes the plan check and meets the next one.
    const after = await graphql(gateway, configure, {}, { token: spirit.token });
    expect(after.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect((await graphql(gateway, directory, {}, { token: spirit.token })).data).toEqual({ directory: null });
    const [entry] = await auditActions(spirit, 'account.plan_changed');
    expect(entry).toMatchObject({ actor: { id: spirit.userId }, data: { before: { plan: 'boutique' }, after: { plan: 'boutique-plus' } } });
  });

  it('refuses a plan that does not exist, or is for another publisher type, naming why', async () => {
    expect((await graphql(gateway, CHANGE_PLAN, { p: 'gold' }, { token: spirit.token })).errors![0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'plan' },
      message: expect.stringContaining('There is no plan "gold"'),
    });
    const wrongType = await graphql(gateway, CHANGE_PLAN, { p: 'enterprise' }, { token: spirit.token });
    expect(wrongType.errors![0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'plan' },
      message: expect.stringContaining('the plan is for ENTERPRISE publishers, and the account has spirit (BOUTIQUE)'),
    });
    const { rows } = await admin.query(`SELECT plan FROM accounts WHERE id = $1`, [SPIRIT]);
    expect(rows[0].plan).toBe('boutique-plus');
  });

  it('refuses a move to a plan with fewer seats than are in use, and leaves the account as it was', async () => {
    const people = await peopleOf(SPIRIT);
    await admin.query(
      `INSERT INTO invitations (publisher_id, email, token_hash, role_ids, invited_by, expires_at)
       SELECT $1, 'seat-plan-' || n || '@example.com', 'seat-plan-' || n, ARRAY[(SELECT id FROM roles WHERE publisher_id = $1 AND key = 'viewer')],
              $2, now() + interval '1 day'
         FROM generate_series(1, $3::int) n`,
      [demoId('publisher:spirit'), demoId('user:owner@spirit.demo'), 26 - people],
    );
    const refused = await graphql(gateway, CHANGE_PLAN, { p: 'boutique' }, { token: spirit.token });
    expect(refused.errors![0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT' },
      message: expect.stringMatching(/All 25 seats of the account/),
    });
    expect((await admin.query(`SELECT plan FROM accounts WHERE id = $1`, [SPIRIT])).rows[0].plan).toBe('boutique-plus');
    await admin.query(`DELETE FROM invitations WHERE email LIKE 'seat-plan-%'`);
    expect((await graphql(gateway, CHANGE_PLAN, { p: 'boutique' }, { token: spirit.token })).data.changePlan.plan).toBe('boutique');
  });

  it('never lets a custom role and a plan without them both win when they race', async () => {
    const dmp = await login(gateway, 'owner@dmp.demo', DEMO_PASSWORD);
    const sheer = await login(gateway, 'owner@sheer.demo', DEMO_PASSWORD);
    for (let round = 0; round < 6; round++) {
      const [role, plan] = await Promise.all([
        graphql(
          gateway,
          `
            mutation ($k: String!) {
              createRole(input: { key: $k, name: "Race", permissions: ["work:read"] }) {
                key
              }
            }
          `,
          { k: `race-${round}` },
          { token: dmp.token },
        ),
        graphql(platform.b.gatewayUrl, CHANGE_PLAN, { p: 'enterprise-standard' }, { token: sheer.token }),
      ]);
      const { rows } = await admin.query(
        `SELECT a.plan, (SELECT count(*)::int FROM roles r JOIN publishers p ON p.id = r.publisher_id WHERE p.account_id = a.id AND NOT r.is_template) AS custom
           FROM accounts a WHERE a.id = $1`,
        [DOWNTOWN],
      );
      // Exactly one of the two took effect, and the account is consistent with its plan.
      expect([Boolean(role.data?.createRole), Boolean(plan.data?.changePlan)].filter(Boolean)).toHaveLength(1);
      expect(rows[0].plan === 'enterprise-standard' ? rows[0].custom : 0).toBe(0);
      if (plan.data?.changePlan) {
        expect(role.errors![0]).toMatchObject({ extensions: { code: 'FORBIDDEN', reason: 'PLAN_FEATURE_MISSING' } });
        expect((await graphql(gateway, CHANGE_PLAN, { p: 'enterprise' }, { token: sheer.token })).errors).toBeUndefined();
      } else {
        expect(plan.errors![0]).toMatchObject({
          extensions: { code: 'BAD_USER_INPUT' },
          message: expect.stringContaining('custom roles exist'),
        });
        await graphql(
          gateway,
          `
            mutation ($k: String!) {
              deleteRole(key: $k)
            }
          `,
          { k: `race-${round}` },
          { token: dmp.token },
        );
      }
    }
  });

  it('holds live partner clients to the plan across parallel creations', async () => {
    const create = (i: number, url: string) =>
      graphql(
        url,
        `
          mutation ($n: String!) {
            createPartnerClient(input: { name: $n, permissions: ["work:read"] }) {
              client {
                id
              }
            }
          }
        `,
        { n: `limit-${i}` },
        { token: spirit.token },
      );
    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => create(i, i % 2 ? platform.b.gatewayUrl : gateway)));
    const created = answers.filter((a) => a.data?.createPartnerClient);
    expect(created).toHaveLength(2);
    for (const refused of answers.filter((a) => a.errors)) {
      expect(refused.errors![0]).toMatchObject({
        extensions: { code: 'BAD_USER_INPUT' },
        message: expect.stringContaining('The Boutique plan allows 2 live partner clients across the account'),
      });
    }
    const account = await graphql(gateway, ACCOUNT, {}, { token: spirit.token });
    expect(account.data.account.usage).toMatchObject({ partnerClients: 2, partnerClientLimit: 2 });
    // A plan that allows fewer is refused while they are live.
    await admin.query(`UPDATE plans SET partner_client_limit = 1 WHERE key = 'boutique-plus'`);
    try {
      expect((await graphql(gateway, CHANGE_PLAN, { p: 'boutique-plus' }, { token: spirit.token })).errors![0]!.message).toContain(
        '2 partner clients are live, and the plan allows 1',
      );
    } finally {
      await admin.query(`UPDATE plans SET partner_client_limit = 5 WHERE key = 'boutique-plus'`);
    }
    for (const { data } of created) {
      await graphql(
        gateway,
        `
          mutation ($id: ID!) {
            revokePartnerClient(id: $id) {
              id
            }
          }
        `,
        { id: data.createPartnerClient.client.id },
        { token: spirit.token },
      );
    }
  });
});

/** Signed as the billing provider signs: HMAC-SHA256 of "<t>.<body>" with the shared secret. */
function signed(body: string, options: { secret?: string; at?: number } = {}) {
  const t = Math.floor((options.at ?? Date.now()) / 1000);
  const v1 = createHmac('sha256', options.secret ?? SECRET)
    .update(`${t}.${body}`)
    .digest('hex');
  return `t=${t},v1=${v1}`;
}

let eventCounter = 0;
function subscriptionEvent(account: string, status: string, extra: { trialEndsAt?: string; occurredAt?: string; id?: string } = {}) {
  return JSON.stringify({
    id: extra.id ?? `evt-${++eventCounter}-${Date.now()}`,
    type: 'subscription.updated',
    occurredAt: extra.occurredAt ?? new Date().toISOString(),
    data: { accountId: account, status, ...(extra.trialEndsAt ? { trialEndsAt: extra.trialEndsAt } : {}) },
  });
}

async function deliver(body: string, signature: string | null = signed(body)) {
  const response = await fetch(new URL('/webhooks/billing', gateway), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature ? { 'billing-signature': signature } : {}) },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('the billing webhook', () => {
  it('refuses deliveries that are unsigned, signed with another secret, replayed late, or malformed', async () => {
    const body = subscriptionEvent(SPIRIT, 'PAST_DUE');
    expect(await deliver(body, null)).toMatchObject({ status: 401, body: { error: expect.stringContaining('missing') } });
    expect(await deliver(body, signed(body, { secret: 'another' }))).toMatchObject({
      status: 401,
      body: { error: expect.stringContaining('does not match') },
    });
    expect(await deliver(body, signed(body, { at: Date.now() - 10 * 60_000 }))).toMatchObject({
      status: 401,
      body: { error: expect.stringContaining('replay') },
    });
    expect(await deliver(body.replace('PAST_DUE', 'ACTIVE'), signed(body))).toMatchObject({ status: 401 });
    const malformed = JSON.stringify({
      id: 'evt-bad',
      type: 'subscription.updated',
      occurredAt: new Date().toISOString(),
      data: { accountId: SPIRIT, status: 'LATE' },
    });
    expect(await deliver(malformed)).toMatchObject({ status: 400, body: { field: 'data.status' } });
    expect(await deliver(subscriptionEvent('00000000-0000-4000-8000-0000000000ff', 'ACTIVE'))).toMatchObject({ status: 404 });
    expect((await admin.query(`SELECT subscription_status FROM accounts WHERE id = $1`, [SPIRIT])).rows[0].subscription_status).toBe(
      'ACTIVE',
    );
  });

  it('makes a past-due account read-only everywhere but billing, with the reason, until it is settled', async () => {
    const spirit = await login(gateway, 'owner@spirit.demo', DEMO_PASSWORD, 'spirit');
    const event = subscriptionEvent(SPIRIT, 'PAST_DUE');
    expect(await deliver(event)).toEqual({ status: 200, body: { received: true, outcome: 'applied' } });
    await settle();
    const write = await graphql(gateway, CREATE_WORK, {}, { token: spirit.token });
    expect(write.errors![0]).toMatchObject({
      extensions: { code: 'FORBIDDEN', reason: 'ACCOUNT_PAST_DUE' },
      message: expect.stringContaining('unpaid invoice'),
    });
    // Identity's and publishers' mutations are held the same way; reads and billing are not.
    expect((await graphql(gateway, INVITE, { e: 'past-due@example.com' }, { token: spirit.token })).errors![0]!.extensions).toMatchObject({
      reason: 'ACCOUNT_PAST_DUE',
    });
    expect(
      (
        await graphql(
          gateway,
          `
            {
              works(first: 1) {
                totalCount
              }
            }
          `,
          {},
          { token: spirit.token },
        )
      ).errors,
    ).toBeUndefined();
    expect((await graphql(gateway, CHANGE_PLAN, { p: 'boutique' }, { token: spirit.token })).errors).toBeUndefined();
    const account = await graphql(gateway, ACCOUNT, {}, { token: spirit.token });
    expect(account.data.account.status).toBe('PAST_DUE');
    // Delivered again: answered, not applied twice.
    expect(await deliver(event)).toEqual({ status: 200, body: { received: true, outcome: 'duplicate' } });
    const [entry, ...more] = await auditActions(spirit, 'account.subscription_changed');
    expect(more).toEqual([]);
    expect(entry).toMatchObject({ actor: null, data: { before: { status: 'ACTIVE' }, after: { status: 'PAST_DUE' } } });
    // An older event arriving late changes nothing.
    const stale = subscriptionEvent(SPIRIT, 'ACTIVE', { occurredAt: new Date(Date.now() - 3_600_000).toISOString() });
    expect(await deliver(stale)).toEqual({ status: 200, body: { received: true, outcome: 'stale' } });
    expect(await deliver(subscriptionEvent(SPIRIT, 'ACTIVE'))).toMatchObject({ body: { outcome: 'applied' } });
    await settle();
    expect((await graphql(gateway, CREATE_WORK, {}, { token: spirit.token })).errors).toBeUndefined();
  });

  it('leaves a cancelled account billing and its audit log only', async () => {
    const spirit = await login(gateway, 'owner@spirit.demo', DEMO_PASSWORD, 'spirit');
    expect((await deliver(subscriptionEvent(SPIRIT, 'CANCELLED'))).status).toBe(200);
    await settle();
    const works = await graphql(
      gateway,
      `
        {
          works(first: 1) {
            totalCount
          }
        }
      `,
      {},
      { token: spirit.token },
    );
    expect(works.errors![0]).toMatchObject({ extensions: { code: 'FORBIDDEN', reason: 'ACCOUNT_CANCELLED' } });
    expect(works.data).toBeNull();
    expect(
      (
        await graphql(
          gateway,
          `
            {
              auditLog(first: 1) {
                totalCount
              }
            }
          `,
          {},
          { token: spirit.token },
        )
      ).errors,
    ).toBeUndefined();
    expect((await graphql(gateway, ACCOUNT, {}, { token: spirit.token })).data.account.status).toBe('CANCELLED');
    expect((await deliver(subscriptionEvent(SPIRIT, 'ACTIVE'))).status).toBe(200);
  });

  it('lets a trial work until its end, then holds changes with their own reason', async () => {
    const spirit = await login(gateway, 'owner@spirit.demo', DEMO_PASSWORD, 'spirit');
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
    expect((await deliver(subscriptionEvent(SPIRIT, 'TRIALING', { trialEndsAt: tomorrow }))).status).toBe(200);
    await settle();
    expect((await graphql(gateway, CREATE_WORK, {}, { token: spirit.token })).errors).toBeUndefined();
    expect((await graphql(gateway, ACCOUNT, {}, { token: spirit.token })).data.account.trialEndsAt).toBe(tomorrow);
    expect((await deliver(subscriptionEvent(SPIRIT, 'TRIALING', { trialEndsAt: new Date(Date.now() - 1000).toISOString() }))).status).toBe(
      200,
    );
    await settle();
    expect((await graphql(gateway, CREATE_WORK, {}, { token: spirit.token })).errors![0]!.extensions).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'ACCOUNT_TRIAL_ENDED',
    });
    expect((await deliver(subscriptionEvent(SPIRIT, 'ACTIVE'))).status).toBe(200);
  });

  it('changes every publisher of the account at once, and audits it in each', async () => {
    const dmp = await login(gateway, 'owner@dmp.demo', DEMO_PASSWORD);
    const sheer = await login(gateway, 'owner@sheer.demo', DEMO_PASSWORD);
    expect((await deliver(subscriptionEvent(DOWNTOWN, 'PAST_DUE'))).status).toBe(200);
    await settle();
    for (const owner of [dmp, sheer]) {
      expect((await graphql(gateway, CREATE_WORK, {}, { token: owner.token })).errors![0]!.extensions).toMatchObject({
        reason: 'ACCOUNT_PAST_DUE',
      });
      expect(await auditActions(owner, 'account.subscription_changed')).toHaveLength(1);
    }
    // Spirit's account was not touched.
    const spirit = await login(gateway, 'owner@spirit.demo', DEMO_PASSWORD, 'spirit');
    expect((await graphql(gateway, CREATE_WORK, {}, { token: spirit.token })).errors).toBeUndefined();
    expect((await deliver(subscriptionEvent(DOWNTOWN, 'ACTIVE'))).status).toBe(200);
  });
});

describe('account roles', () => {
  const LOGIN_TO = `mutation($e: String!, $p: String) { login(input: { email: $e, password: "${DEMO_PASSWORD}", publisher: $p }) { accessToken refreshToken activePublisher { slug } } }`;
  const GRANT = `mutation($e: String!, $r: String!) { grantAccountRole(email: $e, role: $r) { email role user { id } } }`;
  const REVOKE = `mutation($u: ID!) { revokeAccountRole(userId: $u) }`;
  const ADMINISTRATORS = `{ accountAdministrators { email role } }`;

  it('lets an account Owner into every publisher of the account without a membership, and into no other', async () => {
    const choose = await graphql(gateway, LOGIN_TO, { e: 'admin@downtown.demo' });
    expect(choose.errors![0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'publisher' },
      message: expect.stringContaining('(dmp, sheer)'),
    });
    const sheer = await login(gateway, 'admin@downtown.demo', DEMO_PASSWORD, 'sheer');
    const me = await graphql(
      gateway,
      `
        {
          me {
            memberships {
              publisher {
                slug
              }
            }
            permissions
          }
          publishers {
            slug
          }
        }
      `,
      {},
      { token: sheer.token },
    );
    expect(me.data.me.memberships).toEqual([]);
    expect(me.data.me.permissions).toContain('member:manage');
    expect(me.data.publishers.map((p: { slug: string }) => p.slug)).toEqual(['dmp', 'sheer']);
    expect((await graphql(gateway, CREATE_WORK, {}, { token: sheer.token })).errors).toBeUndefined();
    const switched = await graphql(
      gateway,
      `
        mutation {
          switchPublisher(publisher: "dmp") {
            accessToken
            activePublisher {
              slug
            }
          }
        }
      `,
      {},
      { token: sheer.token },
    );
    expect(switched.data.switchPublisher.activePublisher.slug).toBe('dmp');
    // Listed as the account's administrator, not as a member of either publisher.
    const members = await graphql(
      gateway,
      `
        {
          members {
            email
          }
        }
      `,
      {},
      { token: switched.data.switchPublisher.accessToken },
    );
    expect(members.data.members.map((m: { email: string }) => m.email)).not.toContain('admin@downtown.demo');
    expect((await graphql(gateway, ADMINISTRATORS, {}, { token: sheer.token })).data.accountAdministrators).toEqual([
      { email: 'admin@downtown.demo', role: 'owner' },
    ]);
    // Spirit is another account's: unknown to this login, invisible to its token.
    expect((await graphql(gateway, LOGIN_TO, { e: 'admin@downtown.demo', p: 'spirit' })).errors![0]!.message).toContain(
      'not a member of a publisher "spirit"',
    );
    const foreign = await graphql(
      gateway,
      `
        {
          works(first: 1) {
            totalCount
          }
        }
      `,
      {},
      { token: sheer.token, headers: { 'x-tenant-id': demoId('publisher:spirit') } },
    );
    expect(codesOf(foreign)).toEqual(['FORBIDDEN']);
    const spirit = await login(gateway, 'owner@spirit.demo', DEMO_PASSWORD, 'spirit');
    expect((await graphql(gateway, ADMINISTRATORS, {}, { token: spirit.token })).data.accountAdministrators).toEqual([]);
  });

  it("keeps account roles from a publisher's Owner, in the API and in the database", async () => {
    const sheerOwner = await login(gateway, 'owner@sheer.demo', DEMO_PASSWORD);
    const refused = await graphql(gateway, GRANT, { e: 'owner@sheer.demo', r: 'owner' }, { token: sheerOwner.token });
    expect(refused.errors![0]).toMatchObject({
      extensions: { code: 'FORBIDDEN' },
      message: expect.stringContaining('Only an Owner of the account'),
    });
    await inScopeAs(platform.urls.apiUrl, { publisherId: demoId('publisher:sheer'), userId: sheerOwner.userId }, async (api) => {
      await expect(
        api.query(`INSERT INTO account_members (account_id, user_id, role_key) VALUES ($1, $2, 'owner')`, [DOWNTOWN, sheerOwner.userId]),
      ).rejects.toThrow(/row-level security/);
    });
    expect((await admin.query(`SELECT count(*)::int AS n FROM account_members WHERE user_id = $1`, [sheerOwner.userId])).rows[0].n).toBe(0);
  });

  it('grants a role across the account and takes it back from every publisher within a second', async () => {
    const accountOwner = await login(gateway, 'admin@downtown.demo', DEMO_PASSWORD, 'dmp');
    expect((await graphql(gateway, GRANT, { e: 'viewer@dmp.demo', r: 'client' }, { token: accountOwner.token })).errors![0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'role' },
    });
    expect(
      (await graphql(gateway, GRANT, { e: 'owner@spirit.demo', r: 'viewer' }, { token: accountOwner.token })).errors![0],
    ).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'email' },
    });
    const granted = await graphql(gateway, GRANT, { e: 'viewer@dmp.demo', r: 'editor' }, { token: accountOwner.token });
    expect(granted.data.grantAccountRole).toMatchObject({ email: 'viewer@dmp.demo', role: 'editor' });
    const viewerId = granted.data.grantAccountRole.user.id;
    const inSheer = (await graphql(gateway, LOGIN_TO, { e: 'viewer@dmp.demo', p: 'sheer' })).data.login;
    expect((await graphql(gateway, CREATE_WORK, {}, { token: inSheer.accessToken })).errors).toBeUndefined();
    expect(await auditActions(accountOwner, 'account.role_granted')).toEqual([
      expect.objectContaining({ actor: { id: accountOwner.userId }, data: { before: { role: null }, after: { role: 'editor' } } }),
    ]);

    expect((await graphql(gateway, REVOKE, { u: viewerId }, { token: accountOwner.token })).data.revokeAccountRole).toBe(viewerId);
    await settle();
    expect(codesOf(await graphql(platform.b.gatewayUrl, CREATE_WORK, {}, { token: inSheer.accessToken }))).toEqual(['UNAUTHENTICATED']);
    const refresh = await graphql(
      gateway,
      `
        mutation ($t: String!) {
          refreshSession(refreshToken: $t) {
            accessToken
          }
        }
      `,
      { t: inSheer.refreshToken },
    );
    expect(codesOf(refresh)).toEqual(['UNAUTHENTICATED']);
    expect((await graphql(gateway, LOGIN_TO, { e: 'viewer@dmp.demo', p: 'sheer' })).errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
    });
    // Their own membership in dmp is as it was.
    expect((await graphql(gateway, LOGIN_TO, { e: 'viewer@dmp.demo', p: 'dmp' })).data.login.activePublisher.slug).toBe('dmp');
  });
});
