import { beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { DEMO_PASSWORD } from '@platform/demo-data';
import { codesOf, graphql, login, LOGIN, operation, type Session } from '@platform/testing';
import type { CreateMutation, CreateMutationVariables, WorksQuery, WorksQueryVariables } from './generated/operations';

const gateway = inject('gatewayUrl');

const WORKS = operation<WorksQuery, WorksQueryVariables>(/* GraphQL */ `
  query Works($first: Int, $after: String, $filter: WorkFilter) {
    works(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          id
          title
          iswc
          publisher {
            id
            slug
          }
          writers {
            share
            songwriter {
              id
              name
            }
          }
        }
      }
    }
  }
`);

const CREATE_WORK = operation<CreateMutation, CreateMutationVariables>(/* GraphQL */ `
  mutation Create($input: CreateWorkInput!) {
    createWork(input: $input) {
      id
      title
      iswc
      createdBy {
        id
        email
      }
      writers {
        share
        songwriter {
          id
        }
      }
    }
  }
`);

async function countRows(sql: string, params: unknown[] = []): Promise<number> {
  const client = new pg.Client({ connectionString: inject('adminUrl') });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(sql, params);
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}

describe('login', () => {
  it('returns an access token, a refresh token and the active publisher', async () => {
    const result = await graphql(gateway, LOGIN, { input: { email: 'owner@spirit.demo', password: DEMO_PASSWORD } });
    expect(result.errors).toBeUndefined();
    const payload = result.data.login;
    expect(payload.accessToken.split('.')).toHaveLength(3);
    expect(payload.refreshToken.length).toBeGreaterThan(30);
    expect(new Date(payload.expiresAt).getTime()).toBeGreaterThan(Date.now());
    expect(payload.user.email).toBe('owner@spirit.demo');
    expect(payload.activePublisher).toMatchObject({ slug: 'spirit', name: 'Spirit Music Group', type: 'BOUTIQUE' });
  });

  it('asks a member of several publishers which one to work in', async () => {
    const result = await graphql(gateway, LOGIN, { input: { email: 'ops@dmp.demo', password: DEMO_PASSWORD } });
    expect(codesOf(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0]!.message).toContain('dmp, sheer');
    const chosen = await graphql(gateway, LOGIN, { input: { email: 'ops@dmp.demo', password: DEMO_PASSWORD, publisher: 'sheer' } });
    expect(chosen.data.login.activePublisher.slug).toBe('sheer');
  });

  it('gives the same answer for a wrong password and an unknown email', async () => {
    const wrong = await graphql(gateway, LOGIN, { input: { email: 'owner@spirit.demo', password: 'not the password' } });
    const unknown = await graphql(gateway, LOGIN, { input: { email: 'nobody@nowhere.demo', password: 'whatever' } });
    expect(codesOf(wrong)).toEqual(['UNAUTHENTICATED']);
    expect(unknown.errors![0]!.message).toBe(wrong.errors![0]!.message);
    expect(wrong.data).toBeNull();
  });

  it('refuses a publisher the user does not belong to as it refuses one that does not exist', async () => {
    const foreign = await graphql(gateway, LOGIN, { input: { email: 'owner@spirit.demo', password: DEMO_PASSWORD, publisher: 'dmp' } });
    const missing = await graphql(gateway, LOGIN, {
      input: { email: 'owner@spirit.demo', password: DEMO_PASSWORD, publisher: 'no-such-publisher' },
    });
    expect(codesOf(foreign)).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(missing)).toEqual(['BAD_USER_INPUT']);
    expect(foreign.errors![0]!.message.replace('dmp', 'X')).toBe(missing.errors![0]!.message.replace('no-such-publisher', 'X'));
  });
});

describe('me and publishers', () => {
  it('shows the caller, their memberships in every publisher and their permissions in the active one', async () => {
    const ops = await login(gateway, 'ops@dmp.demo', DEMO_PASSWORD, 'dmp');
    const result = await graphql(
      gateway,
      `
        {
          me {
            id
            email
            displayName
            memberships {
              publisher {
                slug
                type
              }
              roles {
                key
                name
              }
            }
            permissions
          }
        }
      `,
      {},
      { token: ops.token },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.me.email).toBe('ops@dmp.demo');
    expect(result.data.me.memberships).toEqual([
      { publisher: { slug: 'dmp', type: 'ENTERPRISE' }, roles: [{ key: 'admin', name: 'Admin' }] },
      { publisher: { slug: 'sheer', type: 'ENTERPRISE' }, roles: [{ key: 'admin', name: 'Admin' }] },
    ]);
    expect(result.data.me.permissions).toContain('work:write');
  });

  it('lists only the publishers the caller belongs to', async () => {
    const spirit = await login(gateway, 'owner@spirit.demo', DEMO_PASSWORD);
    const result = await graphql(
      gateway,
      `
        {
          publishers {
            slug
          }
          other: publisher(slug: "dmp") {
            id
          }
          own: publisher(slug: "spirit") {
            slug
          }
        }
      `,
      {},
      { token: spirit.token },
    );
    expect(result.data).toEqual({ publishers: [{ slug: 'spirit' }], other: null, own: { slug: 'spirit' } });
  });
});

describe('works', () => {
  let spirit: Session;
  beforeAll(async () => {
    spirit = await login(gateway, 'owner@spirit.demo', DEMO_PASSWORD);
  });

  it("lists Spirit's works, and nothing else, as a Relay connection with writers", async () => {
    const result = await graphql(gateway, WORKS, { first: 100 }, { token: spirit.token });
    expect(result.errors).toBeUndefined();
    const works = result.data!.works;
    expect(works.totalCount).toBe(await countRows(`SELECT count(*) AS n FROM works WHERE publisher_id = $1`, [spirit.publisherId]));
    expect(works.edges).toHaveLength(100);
    expect(works.pageInfo.hasNextPage).toBe(true);
    expect(works.edges.every((e) => e.node.publisher.slug === 'spirit')).toBe(true);
    expect(works.edges.every((e) => e.node.writers.length >= 1)).toBe(true);
    const titles = works.edges.map((e) => e.node.title);
    expect(titles).toEqual([...titles].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it('pages through every work exactly once', async () => {
    const seen = new Set<string>();
    let after: string | null = null;
    let pages = 0;
    do {
      const { works }: WorksQuery = (await graphql(gateway, WORKS, { first: 100, after }, { token: spirit.token })).data!;
      for (const edge of works.edges) seen.add(edge.node.id);
      after = works.pageInfo.hasNextPage ? works.pageInfo.endCursor : null;
      pages += 1;
    } while (after && pages < 20);
    expect(seen.size).toBe(await countRows(`SELECT count(*) AS n FROM works WHERE publisher_id = $1`, [spirit.publisherId]));
  });

  it('creates, updates and deletes a work, writing an audit entry and an outbox event for each change', async () => {
    const writer = await graphql(
      gateway,
      `
        {
          songwriters(first: 1) {
            edges {
              node {
                id
              }
            }
          }
        }
      `,
      {},
      { token: spirit.token },
    );
    const songwriterId = writer.data.songwriters.edges[0].node.id;
    const created = await graphql(
      gateway,
      CREATE_WORK,
      { input: { title: '  Harbour Lights  ', iswc: 'T0345246801', writers: [{ songwriterId, share: 100 }] } },
      { token: spirit.token },
    );
    expect(created.errors).toBeUndefined();
    const work = created.data!.createWork;
    expect(work).toMatchObject({
      title: 'Harbour Lights',
      iswc: 'T-034.524.680-1',
      createdBy: { id: spirit.userId, email: 'owner@spirit.demo' },
    });
    expect(work.writers).toEqual([{ share: '100.00', songwriter: { id: songwriterId } }]);

    const updated = await graphql(
      gateway,
      `
        mutation ($id: ID!) {
          updateWork(id: $id, input: { title: "Harbour Lights (Live)" }) {
            id
            title
            iswc
          }
        }
      `,
      { id: work.id },
      { token: spirit.token },
    );
    expect(updated.data.updateWork).toEqual({ id: work.id, title: 'Harbour Lights (Live)', iswc: 'T-034.524.680-1' });

    const deleted = await graphql(
      gateway,
      `
        mutation ($id: ID!) {
          deleteWork(id: $id)
        }
      `,
      { id: work.id },
      { token: spirit.token },
    );
    expect(deleted.data.deleteWork).toBe(work.id);
    const again = await graphql(
      gateway,
      `
        query ($id: ID!) {
          work(id: $id) {
            id
          }
        }
      `,
      { id: work.id },
      { token: spirit.token },
    );
    expect(again.data.work).toBeNull();

    const events = await countRows(`SELECT count(*) AS n FROM outbox WHERE aggregate_id = $1`, [work.id]);
    const audits = await countRows(`SELECT count(*) AS n FROM audit_log WHERE entity_id = $1 AND actor_user_id = $2`, [
      work.id,
      spirit.userId,
    ]);
    expect({ events, audits }).toEqual({ events: 3, audits: 3 });
  });

  it('manages songwriters and recordings with the same shape as works', async () => {
    const writer = await graphql(
      gateway,
      `
        mutation {
          createSongwriter(input: { name: " Ana Lyric ", ipi: "00052210040" }) {
            id
            name
            ipi
          }
        }
      `,
      {},
      { token: spirit.token },
    );
    expect(writer.data.createSongwriter).toMatchObject({ name: 'Ana Lyric', ipi: '00052210040' });
    const id = writer.data.createSongwriter.id;
    const renamed = await graphql(
      gateway,
      `
        mutation ($id: ID!) {
          updateSongwriter(id: $id, input: { name: "Ana L." }) {
            name
          }
        }
      `,
      { id },
      { token: spirit.token },
    );
    expect(renamed.data.updateSongwriter.name).toBe('Ana L.');
    const work = await graphql(
      gateway,
      CREATE_WORK,
      { input: { title: 'Duet', writers: [{ songwriterId: id, share: '100' }] } },
      { token: spirit.token },
    );
    const busy = await graphql(
      gateway,
      `
        mutation ($id: ID!) {
          deleteSongwriter(id: $id)
        }
      `,
      { id },
      { token: spirit.token },
    );
    expect(busy.errors![0]).toMatchObject({
      message: 'This songwriter writes 1 work(s); remove them from those works first',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    await graphql(
      gateway,
      `
        mutation ($id: ID!) {
          deleteWork(id: $id)
        }
      `,
      { id: work.data!.createWork.id },
      { token: spirit.token },
    );
    expect(
      (
        await graphql(
          gateway,
          `
            mutation ($id: ID!) {
              deleteSongwriter(id: $id)
            }
          `,
          { id },
          { token: spirit.token },
        )
      ).data.deleteSongwriter,
    ).toBe(id);

    const take = await graphql(
      gateway,
      `
        mutation {
          createRecording(input: { title: "Live at Home", isrc: "us-rc1-76-07839", durationSeconds: 215 }) {
            id
            isrc
            durationSeconds
          }
        }
      `,
      {},
      { token: spirit.token },
    );
    expect(take.data.createRecording).toMatchObject({ isrc: 'USRC17607839', durationSeconds: 215 });
    const deleted = await graphql(
      gateway,
      `
        mutation ($id: ID!) {
          deleteRecording(id: $id)
        }
      `,
      { id: take.data.createRecording.id },
      { token: spirit.token },
    );
    expect(deleted.data.deleteRecording).toBe(take.data.createRecording.id);
  });

  it('refuses createWork to a viewer with FORBIDDEN and creates nothing', async () => {
    const viewer = await login(gateway, 'viewer@dmp.demo', DEMO_PASSWORD);
    const before = await countRows(`SELECT count(*) AS n FROM works`);
    const result = await graphql(gateway, CREATE_WORK, { input: { title: 'Not allowed' } }, { token: viewer.token });
    expect(codesOf(result)).toEqual(['FORBIDDEN']);
    expect(result.errors![0]!.message).toContain('work:write');
    expect(await countRows(`SELECT count(*) AS n FROM works`)).toBe(before);
    const reading = await graphql(gateway, WORKS, { first: 1 }, { token: viewer.token });
    expect(reading.data!.works.edges).toHaveLength(1);
  });
});
