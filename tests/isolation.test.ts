import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { createPrismaClient, ScopedDatabase } from '@platform/db';
import { DEMO_PASSWORD, demoId } from '@platform/demo-data';
import { codesOf, graphql, login, type Session } from '@platform/testing';

const gateway = inject('gatewayUrl');
const SPIRIT = demoId('publisher:spirit');
const DMP = demoId('publisher:dmp');
const DMP_WORK = demoId('work:dmp:0');
const DMP_SONGWRITER = demoId('songwriter:dmp:0');
const SPIRIT_WORK = demoId('work:spirit:0');

/** Every table whose rows belong to one publisher. */
const TENANT_TABLES = [
  'works',
  'songwriters',
  'recordings',
  'work_writers',
  'work_recordings',
  'user_publishers',
  'roles',
  'role_permissions',
  'membership_roles',
  'audit_log',
  'outbox',
  'outbox_streams',
  'outbox_dead_letters',
  'user_sessions',
  'security_events',
  'security_alerts',
  'api_usage',
  'invitations',
];

/** Runs `work` as the services' own database role, in one transaction with the given settings. */
async function asApiRole<T>(settings: Record<string, string>, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject('apiUrl') });
  await client.connect();
  try {
    await client.query('BEGIN');
    for (const [name, value] of Object.entries(settings)) await client.query('SELECT set_config($1, $2, true)', [name, value]);
    return await work(client);
  } finally {
    await client.query('ROLLBACK');
    await client.end();
  }
}

describe('row-level security (layer 3)', () => {
  it("returns only the active publisher's rows to a query that forgets its publisher filter", async () => {
    for (const table of TENANT_TABLES.filter((t) => t !== 'user_publishers')) {
      const owners = await asApiRole({ 'app.publisher_id': SPIRIT }, (c) => c.query(`SELECT DISTINCT publisher_id FROM ${table}`));
      expect(
        owners.rows.map((r) => r.publisher_id).filter((id) => id !== SPIRIT),
        table,
      ).toEqual([]);
    }
    const works = await asApiRole({ 'app.publisher_id': SPIRIT }, (c) => c.query('SELECT count(*)::int AS n FROM works'));
    expect(works.rows[0].n).toBeGreaterThan(0);
  });

  it('returns nothing at all when no publisher or user is set', async () => {
    for (const table of [
      ...TENANT_TABLES,
      'publishers',
      'accounts',
      'users',
      'password_resets',
      'refresh_token_rotations',
      'platform_staff',
      'platform_audit_log',
      'support_access_grants',
      'publisher_offboardings',
    ]) {
      const { rows } = await asApiRole({}, (c) => c.query(`SELECT count(*)::int AS n FROM ${table}`));
      expect(rows[0].n, table).toBe(0);
    }
  });

  it("shows a session's rotated refresh secrets only while that session is refreshed", async () => {
    const signedIn = await graphql(
      gateway,
      `mutation { login(input: { email: "owner@dmp.demo", password: "${DEMO_PASSWORD}" }) { refreshToken user { id } } }`,
    );
    const { refreshToken, user } = signedIn.data.login;
    await graphql(
      gateway,
      `
        mutation ($t: String!) {
          refreshSession(refreshToken: $t) {
            accessToken
          }
        }
      `,
      { t: refreshToken },
    );
    const sessionId = refreshToken.split('.')[0];
    const count = (settings: Record<string, string>) =>
      asApiRole(settings, (c) => c.query(`SELECT count(*)::int AS n FROM refresh_token_rotations WHERE session_id = $1`, [sessionId])).then(
        (r) => r.rows[0].n,
      );
    expect(await count({ 'app.session_id': sessionId })).toBe(1); // the control: the row exists
    expect(await count({ 'app.publisher_id': SPIRIT, 'app.user_id': demoId('user:owner@spirit.demo') })).toBe(0);
    expect(await count({ 'app.publisher_id': DMP, 'app.user_id': user.id })).toBe(0);
  });

  it('applies to the Prisma client through the one scoped entry point', async () => {
    const db = new ScopedDatabase(createPrismaClient(inject('apiUrl'), { poolSize: 1 }));
    try {
      const works = await db.withScope({ publisherId: SPIRIT }, (tx) => tx.work.findMany({ select: { publisherId: true } }));
      expect(new Set(works.map((w) => w.publisherId))).toEqual(new Set([SPIRIT]));
      // The setting is transaction-local: the same pooled connection sees nothing afterwards.
      expect(await db.withScope({}, (tx) => tx.work.count())).toBe(0);
    } finally {
      await db.disconnect();
    }
  });

  it('refuses to write a row into another publisher', async () => {
    await expect(
      asApiRole({ 'app.publisher_id': SPIRIT }, (c) => c.query(`INSERT INTO works (publisher_id, title) VALUES ($1, 'Smuggled')`, [DMP])),
    ).rejects.toThrow(/row-level security/);
  });

  it("cannot link a work to another publisher's songwriter, even through raw SQL", async () => {
    await expect(
      asApiRole({ 'app.publisher_id': SPIRIT }, (c) =>
        c.query(`INSERT INTO work_writers (publisher_id, work_id, songwriter_id, share) VALUES ($1, $2, $3, 10)`, [
          SPIRIT,
          SPIRIT_WORK,
          DMP_SONGWRITER,
        ]),
      ),
    ).rejects.toThrow(/foreign key/);
  });

  it('connects the services as a role that cannot bypass row-level security and owns no table', async () => {
    const { rows } = await asApiRole({}, (c) =>
      c.query(`SELECT rolsuper, rolbypassrls, (SELECT count(*)::int FROM pg_class WHERE relowner = r.oid) AS owned
                 FROM pg_roles r WHERE rolname = current_user`),
    );
    expect(rows[0]).toEqual({ rolsuper: false, rolbypassrls: false, owned: 0 });
  });

  it('enables and forces row-level security on every table that carries publisher_id', async () => {
    const { rows } = await asApiRole({}, (c) =>
      c.query(`SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind = 'r'
                  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'publisher_id' AND NOT a.attisdropped)`),
    );
    expect(rows.length).toBeGreaterThanOrEqual(TENANT_TABLES.length);
    expect(rows.filter((r) => !r.relrowsecurity || !r.relforcerowsecurity).map((r) => r.relname)).toEqual([]);
  });
});

describe('subgraphs reached directly (layer 2)', () => {
  const ENTITIES = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Work { id title } } }`;

  it('give no data to a request without a token, _entities included', async () => {
    const catalog = inject('catalogUrl');
    const list = await graphql(
      catalog,
      `
        {
          works {
            totalCount
          }
        }
      `,
    );
    expect(list.data ?? null).toBeNull();
    expect(codesOf(list)).toContain('UNAUTHENTICATED');
    const entities = await graphql(catalog, ENTITIES, { reps: [{ __typename: 'Work', id: SPIRIT_WORK }] });
    expect(entities.data?._entities ?? null).toBeNull();
    expect(codesOf(entities)).toContain('UNAUTHENTICATED');
  });

  it('refuse a forged token before resolving anything', async () => {
    const response = await graphql(
      inject('publishersUrl'),
      `
        {
          publishers {
            id
          }
        }
      `,
      {},
      { token: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' },
    );
    expect(response.status).toBe(401);
    expect(codesOf(response)).toEqual(['UNAUTHENTICATED']);
    expect(response.data ?? null).toBeNull();
  });

  it("resolve another publisher's entity to null even with a valid token", async () => {
    const spirit = await login(gateway, 'owner@spirit.demo', DEMO_PASSWORD);
    const response = await graphql(
      inject('catalogUrl'),
      ENTITIES,
      {
        reps: [
          { __typename: 'Work', id: DMP_WORK },
          { __typename: 'Work', id: SPIRIT_WORK },
        ],
      },
      { token: spirit.token },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data._entities[0]).toBeNull();
    expect(response.data._entities[1]).toMatchObject({ id: SPIRIT_WORK });
  });

  it('check _entities against the permission of the equivalent root field', async () => {
    // A client of Songtrust may read (its own) works, but not recordings.
    const client = await login(gateway, 'client@songtrust.demo', DEMO_PASSWORD);
    const response = await graphql(
      inject('catalogUrl'),
      `
        query ($reps: [_Any!]!) {
          _entities(representations: $reps) {
            ... on Recording {
              id
              title
            }
          }
        }
      `,
      { reps: [{ __typename: 'Recording', id: demoId('recording:songtrust:0') }] },
      { token: client.token },
    );
    expect(codesOf(response)).toEqual(['FORBIDDEN']);
    expect(response.data?._entities ?? null).toBeNull();
  });
});

describe("another publisher's objects through the gateway", () => {
  let spirit: Session;
  let before: number;
  const countDmpWorks = async () => {
    const client = new pg.Client({ connectionString: inject('adminUrl') });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT count(*)::int AS n, max(updated_at) AS last FROM works WHERE publisher_id = $1`, [DMP]);
      return `${rows[0].n}@${rows[0].last?.toISOString()}`;
    } finally {
      await client.end();
    }
  };
  let snapshot: string;
  beforeAll(async () => {
    spirit = await login(gateway, 'owner@spirit.demo', DEMO_PASSWORD);
    snapshot = await countDmpWorks();
    before = Date.now();
  });
  afterAll(async () => {
    expect(await countDmpWorks(), `DMP's works changed after ${before}`).toBe(snapshot);
  });

  it('reads as null, never FORBIDDEN', async () => {
    const response = await graphql(
      gateway,
      `query($id: ID!) { work(id: $id) { id title } songwriter(id: "${DMP_SONGWRITER}") { id } }`,
      { id: DMP_WORK },
      { token: spirit.token },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ work: null, songwriter: null });
  });

  it('is NOT_FOUND to update or delete, exactly like an id that never existed', async () => {
    const update = `mutation($id: ID!) { updateWork(id: $id, input: { title: "Hijacked" }) { id } }`;
    const foreign = await graphql(gateway, update, { id: DMP_WORK }, { token: spirit.token });
    const missing = await graphql(gateway, update, { id: '00000000-0000-4000-8000-000000000000' }, { token: spirit.token });
    expect(codesOf(foreign)).toEqual(['NOT_FOUND']);
    expect(foreign.errors![0]!.message).toBe(missing.errors![0]!.message);
    const removal = await graphql(
      gateway,
      `
        mutation ($id: ID!) {
          deleteWork(id: $id)
        }
      `,
      { id: DMP_WORK },
      { token: spirit.token },
    );
    expect(codesOf(removal)).toEqual(['NOT_FOUND']);
  });

  it("cannot be used as a writer of one's own work", async () => {
    const response = await graphql(
      gateway,
      `
        mutation ($input: CreateWorkInput!) {
          createWork(input: $input) {
            id
          }
        }
      `,
      {
        input: { title: 'Borrowed writer', writers: [{ songwriterId: DMP_SONGWRITER, share: 100 }] },
      },
      { token: spirit.token },
    );
    expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toBe(`songwriter ${DMP_SONGWRITER} was not found`);
  });
});
