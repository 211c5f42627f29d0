import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { startCatalog } from '@platform/catalog/start';
import { CLIENT_WORK_COUNT, DEMO_PASSWORD, demoId } from '@platform/demo-data';
import type { RunningHttpServer } from '@platform/http';
import {
  auditTrailOf,
  codesOf,
  graphql,
  login,
  serviceConfigForTests,
  startOwnPlatform,
  type OwnPlatform,
  type Session,
} from '@platform/testing';

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
    expect(
      (
        await graphql(
          gateway,
          `
            query ($id: ID!) {
              work(id: $id) {
                id
              }
            }
          `,
          { id: other },
          { token: client.token },
        )
      ).data.work,
    ).toBeNull();
    const update = await graphql(
      gateway,
      `
        mutation ($id: ID!) {
          updateWork(id: $id, input: { title: "Mine now" }) {
            id
          }
        }
      `,
      { id: other },
      { token: client.token },
    );
    expect(codesOf(update)).toEqual(['NOT_FOUND']);
    const { rows } = await admin.query(`SELECT title FROM works WHERE id = $1`, [other]);
    expect(rows[0].title).not.toBe('Mine now');
  });

  it('registers new works as one of their writers', async () => {
    const created = await graphql(
      gateway,
      `
        mutation {
          createWork(input: { title: "Client Song" }) {
            id
            writers {
              share
              songwriter {
                id
              }
            }
          }
        }
      `,
      {},
      { token: client.token },
    );
    expect(created.data.createWork.writers).toEqual([{ share: '100.00', songwriter: { id: CLIENT_SONGWRITER } }]);
    const someoneElse = demoId('songwriter:songtrust:4');
    const refused = await graphql(
      gateway,
      `
        mutation ($w: ID!) {
          createWork(input: { title: "Not mine", writers: [{ songwriterId: $w, share: 100 }] }) {
            id
          }
        }
      `,
      { w: someoneElse },
      { token: client.token },
    );
    expect(refused.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'writers' } });
  });

  it('is held to their own works by row-level security, even by a query that forgets the condition', async () => {
    await expectRowLevelSecurityHoldsToOwnWorks(client.userId);
  });

  it('is held to their own works by the rules alone, when row-level security is out of the way', async () => {
    await expectRulesHoldToOwnWorks(client.token);
  });

  it('changes only their own line of a co-written work, at both layers', async () => {
    const coWriter = demoId('songwriter:songtrust:4');
    const written = `mutation($w: [WorkWriterInput!]) { createWork(input: { title: "Co-written", writers: $w }) { id } }`;
    const created = await graphql(
      gateway,
      written,
      {
        w: [
          { songwriterId: CLIENT_SONGWRITER, share: 50 },
          { songwriterId: coWriter, share: 50 },
        ],
      },
      { token: client.token },
    );
    const workId = created.data.createWork.id;
    const update = `mutation($id: ID!, $w: [WorkWriterInput!]) { updateWork(id: $id, input: { writers: $w }) { writers { share role songwriter { id } } } }`;
    const theirs = await graphql(
      gateway,
      update,
      {
        id: workId,
        w: [
          { songwriterId: CLIENT_SONGWRITER, share: 40 },
          { songwriterId: coWriter, share: 60 },
        ],
      },
      { token: client.token },
    );
    expect(codesOf(theirs)).toEqual(['FORBIDDEN']);
    const dropped = await graphql(
      gateway,
      update,
      { id: workId, w: [{ songwriterId: CLIENT_SONGWRITER, share: 100 }] },
      { token: client.token },
    );
    expect(codesOf(dropped)).toEqual(['FORBIDDEN']);
    const mine = await graphql(
      gateway,
      update,
      {
        id: workId,
        w: [
          { songwriterId: CLIENT_SONGWRITER, share: 50, role: 'A' },
          { songwriterId: coWriter, share: 50 },
        ],
      },
      { token: client.token },
    );
    expect(mine.errors).toBeUndefined();
    const { rows } = await admin.query(`SELECT songwriter_id, share::text, role FROM work_writers WHERE work_id = $1 ORDER BY role`, [
      workId,
    ]);
    expect(rows).toEqual([
      { songwriter_id: CLIENT_SONGWRITER, share: '50.00', role: 'A' },
      { songwriter_id: coWriter, share: '50.00', role: 'CA' },
    ]);
    // Row-level security refuses the same to a query that skips the service's check.
    await asApi(demoId('publisher:songtrust'), client.userId, async (api) => {
      expect(
        (await api.query(`UPDATE work_writers SET share = 1 WHERE work_id = $1 AND songwriter_id = $2`, [workId, coWriter])).rowCount,
      ).toBe(0);
      expect((await api.query(`DELETE FROM work_writers WHERE work_id = $1 AND songwriter_id = $2`, [workId, coWriter])).rowCount).toBe(0);
      expect(
        (await api.query(`UPDATE work_writers SET role = 'C' WHERE work_id = $1 AND songwriter_id = $2`, [workId, CLIENT_SONGWRITER]))
          .rowCount,
      ).toBe(1);
    });
  });

  describe('who is also given a role without catalog permissions (Client + Billing)', () => {
    const SONGTRUST = demoId('publisher:songtrust');
    const grant = (role: string) =>
      admin.query(
        `INSERT INTO membership_roles (publisher_id, user_id, role_id) SELECT $1, $2, id FROM roles WHERE publisher_id = $1 AND key = $3`,
        [SONGTRUST, client.userId, role],
      );
    const take = (role: string) =>
      admin.query(
        `DELETE FROM membership_roles WHERE publisher_id = $1 AND user_id = $2 AND role_id = (SELECT id FROM roles WHERE publisher_id = $1 AND key = $3)`,
        [SONGTRUST, client.userId, role],
      );
    beforeAll(async () => {
      await grant('billing');
      await settle();
    });
    afterAll(async () => {
      await take('billing');
    });

    it('still sees only their own works through the API', async () => {
      const response = await graphql(gateway, WORKS, {}, { token: client.token });
      const own = await admin.query(`SELECT count(DISTINCT work_id)::int AS n FROM work_writers WHERE songwriter_id = $1`, [
        CLIENT_SONGWRITER,
      ]);
      expect(response.data.works.totalCount).toBe(own.rows[0].n);
    });

    it('is still held by row-level security', async () => {
      await expectRowLevelSecurityHoldsToOwnWorks(client.userId);
    });

    it('is still held by the rules alone', async () => {
      await expectRulesHoldToOwnWorks(client.token);
    });

    it('is lifted by a role that grants catalog permissions (Client + Viewer), the control case', async () => {
      await grant('viewer');
      await settle();
      try {
        const response = await graphql(gateway, WORKS, {}, { token: client.token });
        expect(response.data.works.totalCount).toBeGreaterThan(100);
      } finally {
        await take('viewer');
        await settle();
      }
    });
  });
});

/** Runs `work` on a connection of the services' role, in the RLS scope of that member. */
async function asApi(publisherId: string, userId: string, work: (api: pg.Client) => Promise<void>): Promise<void> {
  const api = new pg.Client({ connectionString: platform.urls.apiUrl });
  await api.connect();
  try {
    await api.query('BEGIN');
    await api.query(`SELECT set_config('app.publisher_id', $1, true), set_config('app.user_id', $2, true)`, [publisherId, userId]);
    await work(api);
  } finally {
    await api.query('ROLLBACK').catch(() => {});
    await api.end();
  }
}

/** Every table a client reaches through a work answers only for the client's own works. */
async function expectRowLevelSecurityHoldsToOwnWorks(userId: string): Promise<void> {
  const own = await admin.query(`SELECT DISTINCT work_id FROM work_writers WHERE songwriter_id = $1`, [CLIENT_SONGWRITER]);
  const ownIds = own.rows.map((r) => r.work_id).sort();
  await asApi(demoId('publisher:songtrust'), userId, async (api) => {
    expect((await api.query(`SELECT id FROM works`)).rows.map((r) => r.id).sort()).toEqual(ownIds);
    expect((await api.query(`SELECT DISTINCT work_id FROM work_writers`)).rows.map((r) => r.work_id).sort()).toEqual(ownIds);
    const links = await api.query(`SELECT work_id FROM work_recordings`);
    expect(links.rows.filter((r) => !ownIds.includes(r.work_id))).toEqual([]);
    expect((await api.query(`UPDATE works SET title = title || ''`)).rowCount).toBe(ownIds.length);
  });
  const otherLinks = await admin.query(`SELECT count(*)::int AS n FROM work_writers WHERE publisher_id = $1 AND NOT (work_id = ANY($2))`, [
    demoId('publisher:songtrust'),
    ownIds,
  ]);
  expect(otherLinks.rows[0].n).toBeGreaterThan(100); // there was something to hide
}

async function expectRulesHoldToOwnWorks(token: string): Promise<void> {
  // A catalog instance connected as a superuser: RLS does not apply to it at all.
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'platform-rules-only-'));
  const jwksUrl = platform.a.identityUrl.replace('/graphql', '/.well-known/jwks.json');
  const unprotected: RunningHttpServer = await startCatalog(
    serviceConfigForTests({ databaseUrl: platform.urls.adminUrl, dbPoolSize: 2, jwksUrl, dataDir }),
    0,
  );
  try {
    const response = await graphql(
      `${unprotected.url}/graphql`,
      `
        {
          works(first: 100) {
            totalCount
            edges {
              node {
                id
                title
              }
            }
          }
        }
      `,
      {},
      { token },
    );
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
}

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
    const me = await graphql(
      gateway,
      `
        {
          me {
            permissions
          }
        }
      `,
      {},
      { token: joined.data.acceptInvitation.accessToken },
    );
    expect(me.data.me.permissions).toEqual([
      'recording:read',
      'recording:write',
      'songwriter:read',
      'songwriter:write',
      'work:read',
      'work:write',
    ]);
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
    await graphql(
      gateway,
      `
        mutation {
          createRole(input: { key: "recruiter", name: "Recruiter", permissions: ["member:read", "member:invite"] }) {
            key
          }
        }
      `,
      {},
      { token: owner.token },
    );
    const userId = demoId('spec-user:recruiter');
    await admin.query(
      `INSERT INTO users (id, email, display_name, password_hash) SELECT $1, 'recruiter@dmp.demo', 'Recruiter', password_hash FROM users WHERE email = 'owner@dmp.demo'`,
      [userId],
    );
    await admin.query(`INSERT INTO user_publishers (publisher_id, user_id) VALUES ($1, $2)`, [demoId('publisher:dmp'), userId]);
    await admin.query(
      `INSERT INTO membership_roles (publisher_id, user_id, role_id) SELECT publisher_id, $2, id FROM roles WHERE publisher_id = $1 AND key = 'recruiter'`,
      [demoId('publisher:dmp'), userId],
    );
    const recruiter = await login(gateway, 'recruiter@dmp.demo', DEMO_PASSWORD);
    const refused = await graphql(gateway, INVITE, { e: 'someone@example.com', r: ['editor'] }, { token: recruiter.token });
    expect(codesOf(refused)).toEqual(['FORBIDDEN']);
    expect(refused.errors![0]!.message).toContain('"work:write"');
  });

  it('replaces the open invitation of an email invited again, also when both arrive at once', async () => {
    const owner = await login(gateway, 'owner@dmp.demo', DEMO_PASSWORD);
    await Promise.all(
      Array.from({ length: 4 }, () => graphql(gateway, INVITE, { e: 'twice@example.com', r: ['viewer'] }, { token: owner.token })),
    );
    await graphql(gateway, INVITE, { e: 'twice@example.com', r: ['viewer'] }, { token: owner.token });
    const { rows } = await admin.query(
      `SELECT count(*)::int AS n FROM invitations WHERE email = 'twice@example.com' AND accepted_at IS NULL AND revoked_at IS NULL`,
    );
    expect(rows[0].n).toBe(1);
  });

  it('refuses an invitation whose role was deleted cleanly, and a role no one may delete while invited', async () => {
    const owner = await login(gateway, 'owner@dmp.demo', DEMO_PASSWORD);
    await graphql(
      gateway,
      `
        mutation {
          createRole(input: { key: "short-lived", name: "Short-lived", permissions: ["work:read"] }) {
            key
          }
        }
      `,
      {},
      { token: owner.token },
    );
    await graphql(gateway, INVITE, { e: 'role-gone@example.com', r: ['short-lived'] }, { token: owner.token });
    const refused = await graphql(
      gateway,
      `
        mutation {
          deleteRole(key: "short-lived")
        }
      `,
      {},
      { token: owner.token },
    );
    expect(refused.errors![0]).toMatchObject({
      message: '1 open invitation(s) grant "short-lived"; revoke them first',
      extensions: { code: 'BAD_USER_INPUT', field: 'key' },
    });
    // Deleted anyway (by a race, or by hand): accepting is refused whole, with a reason.
    const token = await tokenFor('role-gone@example.com');
    await admin.query(`DELETE FROM roles WHERE publisher_id = $1 AND key = 'short-lived'`, [demoId('publisher:dmp')]);
    const accepted = await graphql(gateway, ACCEPT, { i: { token, displayName: 'Too Late', password: 'a new long password' } });
    expect(accepted.errors![0]).toMatchObject({
      message: 'A role this invitation grants no longer exists; ask the publisher for a new invitation',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const { rows } = await admin.query(`SELECT count(*)::int AS n FROM users WHERE email = 'role-gone@example.com'`);
    expect(rows[0].n).toBe(0);
  });
});

describe('seats', () => {
  const INVITE = `mutation($e: String!, $r: [String!]!) { inviteMember(input: { email: $e, roles: $r }) { id } }`;
  const SPIRIT = demoId('publisher:spirit');
  const ACCOUNT = `(SELECT account_id FROM publishers WHERE slug = 'spirit')`;
  let owner: Session;
  let original: number;
  beforeAll(async () => {
    owner = await login(gateway, 'owner@spirit.demo', DEMO_PASSWORD, 'spirit');
    original = (await admin.query(`SELECT seat_limit FROM accounts WHERE id = ${ACCOUNT}`)).rows[0].seat_limit;
  });
  afterEach(async () => {
    await admin.query(`UPDATE invitations SET revoked_at = now() WHERE publisher_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL`, [
      SPIRIT,
    ]);
    await admin.query(`UPDATE accounts SET seat_limit = $1 WHERE id = ${ACCOUNT}`, [original]);
  });
  /** Counted here independently of the platform: active members plus open invitations. */
  async function seatsTaken(): Promise<number> {
    const { rows } = await admin.query(
      `SELECT (SELECT count(*) FROM user_publishers WHERE publisher_id = $1 AND status = 'ACTIVE')
            + (SELECT count(*) FROM invitations WHERE publisher_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()) AS n`,
      [SPIRIT],
    );
    return Number(rows[0].n);
  }
  const limitTo = (n: number) => admin.query(`UPDATE accounts SET seat_limit = $1 WHERE id = ${ACCOUNT}`, [n]);

  it('count open invitations: the last free seat goes to one of ten parallel invitations', async () => {
    await limitTo((await seatsTaken()) + 1);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => graphql(gateway, INVITE, { e: `seat-${i}@example.com`, r: ['viewer'] }, { token: owner.token })),
    );
    expect(answers.filter((a) => a.data?.inviteMember).length).toBe(1);
    for (const refused of answers.filter((a) => a.errors))
      expect(refused.errors![0]).toMatchObject({
        extensions: { code: 'BAD_USER_INPUT' },
        message: expect.stringMatching(/seats of the account are taken/),
      });
    // Revoking the invitation frees its seat.
    const invited = answers.find((a) => a.data?.inviteMember)!.data.inviteMember.id;
    expect(codesOf(await graphql(gateway, INVITE, { e: 'seat-late@example.com', r: ['viewer'] }, { token: owner.token }))).toEqual([
      'BAD_USER_INPUT',
    ]);
    await graphql(
      gateway,
      `
        mutation ($id: ID!) {
          revokeInvitation(id: $id) {
            id
          }
        }
      `,
      { id: invited },
      { token: owner.token },
    );
    expect((await graphql(gateway, INVITE, { e: 'seat-late@example.com', r: ['viewer'] }, { token: owner.token })).errors).toBeUndefined();
  });

  it('hold when a member is suspended, the seat given away, and the member reinstated', async () => {
    const viewer = demoId('user:viewer@spirit.seat');
    await admin.query(
      `INSERT INTO users (id, email, display_name, password_hash) SELECT $1, 'viewer@spirit.seat', 'Seat Holder', password_hash FROM users WHERE email = 'owner@spirit.demo' ON CONFLICT DO NOTHING`,
      [viewer],
    );
    await admin.query(`INSERT INTO user_publishers (publisher_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [SPIRIT, viewer]);
    await admin.query(
      `INSERT INTO membership_roles (publisher_id, user_id, role_id) SELECT $1, $2, id FROM roles WHERE publisher_id = $1 AND key = 'viewer' ON CONFLICT DO NOTHING`,
      [SPIRIT, viewer],
    );
    await limitTo(await seatsTaken());
    expect(
      (
        await graphql(
          gateway,
          `
            mutation ($u: ID!) {
              suspendMember(userId: $u) {
                status
              }
            }
          `,
          { u: viewer },
          { token: owner.token },
        )
      ).data.suspendMember.status,
    ).toBe('SUSPENDED');
    expect((await graphql(gateway, INVITE, { e: 'seat-taker@example.com', r: ['viewer'] }, { token: owner.token })).errors).toBeUndefined();
    const reinstated = await graphql(
      gateway,
      `
        mutation ($u: ID!) {
          reinstateMember(userId: $u) {
            status
          }
        }
      `,
      { u: viewer },
      { token: owner.token },
    );
    expect(reinstated.errors![0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT' },
      message: expect.stringMatching(/seats of the account are taken/),
    });
    const { rows } = await admin.query(`SELECT status FROM user_publishers WHERE publisher_id = $1 AND user_id = $2`, [SPIRIT, viewer]);
    expect(rows[0].status).toBe('SUSPENDED');
    expect(await seatsTaken()).toBeLessThanOrEqual(
      (await admin.query(`SELECT seat_limit FROM accounts WHERE id = ${ACCOUNT}`)).rows[0].seat_limit,
    );
  });
});

describe('managing members', () => {
  const viewerId = demoId('user:viewer@dmp.demo');

  it('keeps an active Owner when two Owners demote, suspend or remove each other at the same moment', async () => {
    const SPIRIT = demoId('publisher:spirit');
    const second = demoId('user:co-owner@spirit.demo');
    await admin.query(
      `INSERT INTO users (id, email, display_name, password_hash) SELECT $1, 'co-owner@spirit.demo', 'Co-Owner', password_hash FROM users WHERE email = 'owner@spirit.demo'`,
      [second],
    );
    await admin.query(`INSERT INTO user_publishers (publisher_id, user_id) VALUES ($1, $2)`, [SPIRIT, second]);
    const owners = `SELECT count(*)::int AS n FROM membership_roles mr JOIN roles r ON r.publisher_id = mr.publisher_id AND r.id = mr.role_id
                     JOIN user_publishers m ON m.publisher_id = mr.publisher_id AND m.user_id = mr.user_id
                    WHERE mr.publisher_id = $1 AND r.key = 'owner' AND m.status = 'ACTIVE'`;
    const pairs = [
      ['changeMemberRoles(userId: $u, roles: ["admin"]) { email }', 'changeMemberRoles(userId: $u, roles: ["admin"]) { email }'],
      ['suspendMember(userId: $u) { email }', 'removeMember(userId: $u)'],
    ];
    // Each round starts from two active Owners, signed in afresh (fresh sessions: no cached access).
    for (const [first, other] of [...pairs, ...pairs, ...pairs]) {
      await admin.query(`UPDATE user_publishers SET status = 'ACTIVE' WHERE publisher_id = $1`, [SPIRIT]);
      await admin.query(`INSERT INTO user_publishers (publisher_id, user_id) VALUES ($1, $2), ($1, $3) ON CONFLICT DO NOTHING`, [
        SPIRIT,
        second,
        demoId('user:owner@spirit.demo'),
      ]);
      await admin.query(
        `INSERT INTO membership_roles (publisher_id, user_id, role_id) SELECT $1, u.id, r.id FROM roles r, users u
                          WHERE r.publisher_id = $1 AND r.key = 'owner' AND u.email IN ('owner@spirit.demo', 'co-owner@spirit.demo') ON CONFLICT DO NOTHING`,
        [SPIRIT],
      );
      const a = await login(gateway, 'owner@spirit.demo', DEMO_PASSWORD, 'spirit');
      const b = await login(gateway, 'co-owner@spirit.demo', DEMO_PASSWORD);
      // Several copies of each side widen the moment both are in flight.
      const answers = await Promise.all([
        ...Array.from({ length: 4 }, () => graphql(gateway, `mutation($u: ID!) { ${first} }`, { u: b.userId }, { token: a.token })),
        ...Array.from({ length: 4 }, () =>
          graphql(platform.b.gatewayUrl, `mutation($u: ID!) { ${other} }`, { u: a.userId }, { token: b.token }),
        ),
      ]);
      const succeeded = (from: number) => answers.slice(from, from + 4).some((r) => !r.errors);
      expect(succeeded(0) && succeeded(4), `${first} and ${other} both succeeded`).toBe(false);
      expect((await admin.query(owners, [SPIRIT])).rows[0].n, first).toBeGreaterThanOrEqual(1);
    }
    // Leave Spirit as the demo has it: owner@spirit.demo its one Owner.
    await admin.query(`UPDATE user_publishers SET status = 'ACTIVE' WHERE publisher_id = $1`, [SPIRIT]);
    await admin.query(`INSERT INTO user_publishers (publisher_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
      SPIRIT,
      demoId('user:owner@spirit.demo'),
    ]);
    await admin.query(
      `INSERT INTO membership_roles (publisher_id, user_id, role_id) SELECT $1, $2, id FROM roles WHERE publisher_id = $1 AND key = 'owner' ON CONFLICT DO NOTHING`,
      [SPIRIT, demoId('user:owner@spirit.demo')],
    );
    await admin.query(`DELETE FROM user_publishers WHERE publisher_id = $1 AND user_id = $2`, [SPIRIT, second]);
  });

  it('keeps an active Owner in the database, when two transactions each see the other Owner before either commits', async () => {
    const SPIRIT = demoId('publisher:spirit');
    const ownerA = demoId('user:owner@spirit.demo');
    const ownerB = demoId('user:co-owner-db@spirit.demo');
    await admin.query(
      `INSERT INTO users (id, email, display_name, password_hash) VALUES ($1, 'co-owner-db@spirit.demo', 'Co-Owner', NULL)`,
      [ownerB],
    );
    await admin.query(`INSERT INTO user_publishers (publisher_id, user_id) VALUES ($1, $2)`, [SPIRIT, ownerB]);
    await admin.query(
      `INSERT INTO membership_roles (publisher_id, user_id, role_id) SELECT $1, $2, id FROM roles WHERE publisher_id = $1 AND key = 'owner'`,
      [SPIRIT, ownerB],
    );
    const connect = async (userId: string) => {
      const c = new pg.Client({ connectionString: platform.urls.apiUrl });
      await c.connect();
      await c.query('BEGIN');
      await c.query(`SELECT set_config('app.publisher_id', $1, true), set_config('app.user_id', $2, true)`, [SPIRIT, userId]);
      return c;
    };
    const [t1, t2] = await Promise.all([connect(ownerA), connect(ownerB)]);
    const demote = `DELETE FROM membership_roles WHERE publisher_id = $1 AND user_id = $2 AND role_id = (SELECT id FROM roles WHERE publisher_id = $1 AND key = 'owner')`;
    const otherOwners = `SELECT count(*)::int AS n FROM membership_roles mr JOIN roles r ON r.publisher_id = mr.publisher_id AND r.id = mr.role_id
                          WHERE mr.publisher_id = $1 AND r.key = 'owner' AND mr.user_id <> $2`;
    try {
      // What a service checks first: each sees another Owner. Then each demotes the other.
      expect((await t1.query(otherOwners, [SPIRIT, ownerB])).rows[0].n).toBe(1);
      expect((await t2.query(otherOwners, [SPIRIT, ownerA])).rows[0].n).toBe(1);
      await t1.query(demote, [SPIRIT, ownerB]);
      await t2.query(demote, [SPIRIT, ownerA]);
      const outcomes = await Promise.allSettled([t1.query('COMMIT'), t2.query('COMMIT')]);
      expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason.message).toBe('The publisher must keep at least one active Owner: make someone else Owner first');
    } finally {
      await Promise.all([t1.end(), t2.end()]);
    }
    const { rows } = await admin.query(
      `SELECT count(*)::int AS n FROM membership_roles mr JOIN roles r ON r.id = mr.role_id WHERE mr.publisher_id = $1 AND r.key = 'owner'`,
      [SPIRIT],
    );
    expect(rows[0].n).toBe(1);
    // Leave Spirit as the demo has it: owner@spirit.demo its one Owner.
    await admin.query(
      `INSERT INTO membership_roles (publisher_id, user_id, role_id) SELECT $1, $2, id FROM roles WHERE publisher_id = $1 AND key = 'owner' ON CONFLICT DO NOTHING`,
      [SPIRIT, ownerA],
    );
    await admin.query(`DELETE FROM user_publishers WHERE publisher_id = $1 AND user_id = $2`, [SPIRIT, ownerB]);
  });

  it('keeps at least one active Owner', async () => {
    const owner = await login(gateway, 'owner@dmp.demo', DEMO_PASSWORD);
    for (const mutation of [
      'suspendMember(userId: $u) { email }',
      'removeMember(userId: $u)',
      'changeMemberRoles(userId: $u, roles: ["admin"]) { email }',
    ]) {
      const response = await graphql(gateway, `mutation($u: ID!) { ${mutation} }`, { u: owner.userId }, { token: owner.token });
      expect(response.errors![0], mutation).toMatchObject({
        message: 'The publisher must keep at least one active Owner: make someone else Owner first',
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
  });

  it('does not let an Admin change the Owner, who holds more than the Admin', async () => {
    const ops = await login(gateway, 'ops@dmp.demo', DEMO_PASSWORD, 'dmp');
    const response = await graphql(
      gateway,
      `
        mutation ($u: ID!) {
          suspendMember(userId: $u) {
            email
          }
        }
      `,
      { u: demoId('user:owner@dmp.demo') },
      { token: ops.token },
    );
    expect(codesOf(response)).toEqual(['FORBIDDEN']);
  });

  it('changes roles, explains access, and records it all in the audit log', async () => {
    const owner = await login(gateway, 'owner@dmp.demo', DEMO_PASSWORD);
    const explain = `query($p: String!) { explainAccess(userId: "${viewerId}", permission: $p) { granted reason grantedBy { key } } }`;
    expect((await graphql(gateway, explain, { p: 'work:write' }, { token: owner.token })).data.explainAccess).toMatchObject({
      granted: false,
      reason: "None of the member's roles (Viewer) grants work:write",
    });
    const changed = await graphql(
      gateway,
      `mutation { changeMemberRoles(userId: "${viewerId}", roles: ["editor"]) { roles { key } } }`,
      {},
      { token: owner.token },
    );
    expect(changed.data.changeMemberRoles.roles).toEqual([{ key: 'editor' }]);
    expect((await graphql(gateway, explain, { p: 'work:write' }, { token: owner.token })).data.explainAccess).toMatchObject({
      granted: true,
      grantedBy: [{ key: 'editor' }],
    });
    await settle();
    const viewer = await login(gateway, 'viewer@dmp.demo', DEMO_PASSWORD);
    expect(
      (
        await graphql(
          gateway,
          `
            mutation {
              createWork(input: { title: "Now allowed" }) {
                id
              }
            }
          `,
          {},
          { token: viewer.token },
        )
      ).errors,
    ).toBeUndefined();
    const audit = await graphql(
      gateway,
      `
        {
          auditLog(first: 20) {
            edges {
              node {
                action
                entityId
                actor {
                  id
                }
              }
            }
          }
        }
      `,
      {},
      { token: owner.token },
    );
    expect(audit.data.auditLog.edges.map((e: { node: { action: string } }) => e.node.action)).toContain('member.roles_changed');
    await graphql(
      gateway,
      `mutation { changeMemberRoles(userId: "${viewerId}", roles: ["viewer"]) { email } }`,
      {},
      { token: owner.token },
    );
  });

  it('gives a suspended member nothing, and removing a member ends their sessions', async () => {
    const owner = await login(gateway, 'owner@sheer.demo', DEMO_PASSWORD);
    const ops = await login(gateway, 'ops@dmp.demo', DEMO_PASSWORD, 'sheer');
    const opsId = ops.userId;
    await graphql(gateway, `mutation { suspendMember(userId: "${opsId}") { status } }`, {}, { token: owner.token });
    await settle();
    const suspended = await graphql(
      gateway,
      `
        {
          works(first: 1) {
            totalCount
          }
          me {
            permissions
          }
        }
      `,
      {},
      { token: ops.token },
    );
    expect(codesOf(suspended)).toEqual(['FORBIDDEN']);
    expect(suspended.data?.works ?? null).toBeNull();
    await graphql(gateway, `mutation { reinstateMember(userId: "${opsId}") { status } }`, {}, { token: owner.token });
    await settle();
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
          { token: ops.token },
        )
      ).errors,
    ).toBeUndefined();
    expect((await graphql(gateway, `mutation { removeMember(userId: "${opsId}") }`, {}, { token: owner.token })).data.removeMember).toBe(
      opsId,
    );
    await settle();
    expect(
      codesOf(
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
          { token: ops.token },
        ),
      ),
    ).toEqual(['UNAUTHENTICATED']);
  });
});

describe('roles', () => {
  it('lets plans with custom roles keep them, and no one change a template', async () => {
    const dmp = await login(gateway, 'owner@dmp.demo', DEMO_PASSWORD);
    const created = await graphql(
      gateway,
      `
        mutation {
          createRole(input: { key: "royalty-analyst", name: "Royalty Analyst", permissions: ["work:read", "audit:read"] }) {
            key
            isTemplate
            permissions
          }
        }
      `,
      {},
      { token: dmp.token },
    );
    expect(created.data.createRole).toEqual({ key: 'royalty-analyst', isTemplate: false, permissions: ['audit:read', 'work:read'] });
    const template = await graphql(
      gateway,
      `
        mutation {
          updateRole(key: "viewer", input: { name: "Reader" }) {
            key
          }
        }
      `,
      {},
      { token: dmp.token },
    );
    expect(template.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(
      (
        await graphql(
          gateway,
          `
            mutation {
              deleteRole(key: "royalty-analyst")
            }
          `,
          {},
          { token: dmp.token },
        )
      ).data.deleteRole,
    ).toBe('royalty-analyst');

    const spirit = await login(gateway, 'owner@spirit.demo', DEMO_PASSWORD, 'spirit');
    const boutique = await graphql(
      gateway,
      `
        mutation {
          createRole(input: { key: "custom", name: "Custom", permissions: ["work:read"] }) {
            key
          }
        }
      `,
      {},
      { token: spirit.token },
    );
    expect(codesOf(boutique)).toEqual(['FORBIDDEN']);
    expect(boutique.errors![0]).toMatchObject({
      message: expect.stringContaining('The Boutique plan does not include custom roles'),
      extensions: { reason: 'PLAN_FEATURE_MISSING' },
    });
  });

  it('refuses unknown permissions and permissions the caller does not hold', async () => {
    const ops = await login(gateway, 'ops@dmp.demo', DEMO_PASSWORD, 'dmp');
    const unknown = await graphql(
      gateway,
      `
        mutation {
          createRole(input: { key: "odd", name: "Odd", permissions: ["work:fly"] }) {
            key
          }
        }
      `,
      {},
      { token: ops.token },
    );
    expect(unknown.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'permissions' } });
    const beyond = await graphql(
      gateway,
      `
        mutation {
          createRole(input: { key: "payer", name: "Payer", permissions: ["billing:manage"] }) {
            key
          }
        }
      `,
      {},
      { token: ops.token },
    );
    expect(codesOf(beyond)).toEqual(['FORBIDDEN']);
  });

  it("edits a custom role within the editor's rights, and deletes it only once nobody holds it", async () => {
    const owner = await login(gateway, 'owner@dmp.demo', DEMO_PASSWORD);
    const ops = await login(gateway, 'ops@dmp.demo', DEMO_PASSWORD, 'dmp');
    const viewer = await login(gateway, 'viewer@dmp.demo', DEMO_PASSWORD);
    const as = (session: Session, query: string, variables: Record<string, unknown> = {}) =>
      graphql(gateway, query, variables, { token: session.token });
    const UPDATE = `mutation($k: String!, $i: UpdateRoleInput!) { updateRole(key: $k, input: $i) { key name permissions } }`;
    const DELETE = `mutation { deleteRole(key: "catalog-editor") }`;
    const ROLES = `mutation($u: ID!, $r: [String!]!) { changeMemberRoles(userId: $u, roles: $r) { roles { key } } }`;
    await as(owner, `mutation { createRole(input: { key: "catalog-editor", name: "Editor", permissions: ["work:read"] }) { key } }`);

    const edited = await as(owner, UPDATE, {
      k: 'catalog-editor',
      i: { name: ' Catalog Editor ', permissions: ['work:write', 'work:read'] },
    });
    expect(edited.data.updateRole).toEqual({ key: 'catalog-editor', name: 'Catalog Editor', permissions: ['work:read', 'work:write'] });
    const beyond = await as(ops, UPDATE, { k: 'catalog-editor', i: { permissions: ['work:read', 'billing:manage'] } });
    expect(codesOf(beyond)).toEqual(['FORBIDDEN']);
    expect(codesOf(await as(owner, UPDATE, { k: 'no-such-role', i: { name: 'X' } }))).toEqual(['NOT_FOUND']);

    await as(owner, ROLES, { u: viewer.userId, r: ['viewer', 'catalog-editor'] });
    const held = await as(owner, DELETE);
    expect(held.errors![0]).toMatchObject({
      message: '1 member(s) still hold "catalog-editor"; give them other roles first',
      extensions: { field: 'key' },
    });
    await as(owner, ROLES, { u: viewer.userId, r: ['viewer'] });
    expect((await as(owner, DELETE)).data.deleteRole).toBe('catalog-editor');

    const actions = await auditTrailOf(gateway, owner.token, 'catalog-editor');
    expect(actions).toEqual(['role.deleted', 'role.updated', 'role.created']);
  });
});

describe('billing and settings', () => {
  it('lets the publisher admin rename the publisher and replace its settings', async () => {
    const owner = await login(gateway, 'owner@spirit.demo', DEMO_PASSWORD, 'spirit');
    const updated = await graphql(
      gateway,
      `
        mutation ($s: JSON) {
          updatePublisher(input: { name: " Spirit Music Group ", settings: $s }) {
            name
            settings
          }
        }
      `,
      { s: { royaltyStatements: 'quarterly' } },
      { token: owner.token },
    );
    expect(updated.data.updatePublisher).toEqual({ name: 'Spirit Music Group', settings: { royaltyStatements: 'quarterly' } });
    const read = await graphql(
      gateway,
      `
        {
          publisher(slug: "spirit") {
            name
            settings
          }
        }
      `,
      {},
      { token: owner.token },
    );
    expect(read.data.publisher).toEqual(updated.data.updatePublisher);
  });

  it("answer for the active publisher only, not for the member's other publishers", async () => {
    // Spirit's owner joined DMP as a Viewer above: publisher:manage and billing:read are Spirit's.
    const owner = await login(gateway, 'owner@spirit.demo', DEMO_PASSWORD, 'spirit');
    const own = await graphql(
      gateway,
      `
        {
          publisher(slug: "spirit") {
            settings
            account {
              plan
            }
          }
        }
      `,
      {},
      { token: owner.token },
    );
    expect(own.errors).toBeUndefined();
    const other = await graphql(
      gateway,
      `
        {
          publisher(slug: "dmp") {
            name
            settings
          }
        }
      `,
      {},
      { token: owner.token },
    );
    expect(codesOf(other)).toEqual(['FORBIDDEN']);
    expect(other.errors![0]!.message).toContain('switchPublisher');
  });

  it('shows the account to billing:read and refuses a seat limit below the seats in use', async () => {
    const owner = await login(gateway, 'owner@dmp.demo', DEMO_PASSWORD);
    const account = await graphql(
      gateway,
      `
        {
          publisher(slug: "dmp") {
            account {
              plan
              seatLimit
              seatsUsed
            }
          }
        }
      `,
      {},
      { token: owner.token },
    );
    expect(account.data.publisher.account.plan).toBe('enterprise');
    const below = await graphql(
      gateway,
      `
        mutation {
          updateBilling(input: { seatLimit: 1 }) {
            seatLimit
          }
        }
      `,
      {},
      { token: owner.token },
    );
    expect(below.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'seatLimit' } });
    const viewer = await login(gateway, 'viewer@dmp.demo', DEMO_PASSWORD);
    const hidden = await graphql(
      gateway,
      `
        {
          publisher(slug: "dmp") {
            name
            account {
              plan
            }
          }
        }
      `,
      {},
      { token: viewer.token },
    );
    expect(codesOf(hidden)).toEqual(['FORBIDDEN']);
  });
});
