import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { DEMO_PASSWORD, demoId, ipiNameNumber, iswc } from '@platform/demo-data';
import { codesOf, graphql, inScopeAs, login, startOwnPlatform, type OwnPlatform, type Session } from '@platform/testing';

/**
 * The catalog as a publisher's administrators keep it: identifiers checked and unique, shares
 * exact and adding up to 100.00, recordings linked both ways, deletes that never leave anything
 * half-done, search and keyset paging — and none of it reaching another publisher.
 */
// Its own platform and database: these specs add many works to Spirit, which others list.
let platform: OwnPlatform;
let gateway: string;
let admin: pg.Client;
let spirit: Session;
let dmp: Session;
let client: Session;

// Codes no demo row has: this run's own, so the unique rules are tested on them alone.
const RUN = 700_000_000 + Math.floor(Math.random() * 90_000_000);
let serial = 0;
const freshIswc = () => iswc(RUN + (serial += 1));
const freshIpi = () => ipiNameNumber(RUN + (serial += 1));
const freshIsrc = () => `QZRUN${String((RUN + (serial += 1)) % 10_000_000).padStart(7, '0')}`;

const WORK_FIELDS = `id title alternateTitles iswc language versionType originalWork { id title } controlled
  writers { role share controlled songwriter { id name } } recordings { id isrc } createdBy { id }`;

beforeAll(async () => {
  platform = await startOwnPlatform(inject('clusterAdminUrl'), 'catalog_depth');
  gateway = platform.a.gatewayUrl;
  admin = platform.admin;
  [spirit, dmp, client] = await Promise.all([
    login(gateway, 'owner@spirit.demo', DEMO_PASSWORD),
    login(gateway, 'owner@dmp.demo', DEMO_PASSWORD),
    login(gateway, 'client@songtrust.demo', DEMO_PASSWORD),
  ]);
});

afterAll(async () => {
  await platform?.stop();
});

async function as<T = any>(session: Session, query: string, variables: Record<string, unknown> = {}) {
  return graphql<T>(gateway, query, variables, { token: session.token });
}

async function songwriter(session: Session, input: Record<string, unknown>): Promise<string> {
  const created = await as(session, `mutation($i: SongwriterInput!) { createSongwriter(input: $i) { id } }`, { i: input });
  expect(created.errors).toBeUndefined();
  return created.data.createSongwriter.id;
}

async function work(session: Session, input: Record<string, unknown>) {
  const created = await as(session, `mutation($i: CreateWorkInput!) { createWork(input: $i) { ${WORK_FIELDS} } }`, { i: input });
  expect(created.errors).toBeUndefined();
  return created.data.createWork;
}

/** Every catalog row of Spirit, as one fingerprint: a refused change must leave it as it was. */
async function spiritCatalog(): Promise<string> {
  const { rows } = await admin.query(
    `SELECT md5(string_agg(t, ',' ORDER BY t)) AS sum FROM (
       SELECT row(w.*)::text AS t FROM works w WHERE publisher_id = $1
       UNION ALL SELECT row(ww.*)::text FROM work_writers ww WHERE publisher_id = $1
       UNION ALL SELECT row(s.*)::text FROM songwriters s WHERE publisher_id = $1
       UNION ALL SELECT row(r.*)::text FROM recordings r WHERE publisher_id = $1
       UNION ALL SELECT row(wr.*)::text FROM work_recordings wr WHERE publisher_id = $1
       UNION ALL SELECT row(o.id)::text FROM outbox o WHERE publisher_id = $1) x`,
    [demoId('publisher:spirit')],
  );
  return rows[0].sum;
}

describe('works as a publisher registers them', () => {
  it('keeps alternate titles, language, version, writer roles and control, with shares as exact decimals', async () => {
    const [composer, lyricist] = await Promise.all([
      songwriter(spirit, { firstName: 'Mara', lastName: 'Quill', ipiNameNumber: freshIpi(), society: 'BMI' }),
      songwriter(spirit, { lastName: 'Okonkwo', ipiNameNumber: freshIpi(), ipiBaseNumber: 'I-000000229-7', society: '52' }),
    ]);
    const original = await work(spirit, {
      title: 'Lantern Harbour',
      alternateTitles: ['Harbour of Lanterns', 'Lanterna'],
      iswc: freshIswc().replace(/[-.]/g, ''),
      language: 'EN',
      writers: [
        { songwriterId: composer, share: '33.33', role: 'C' },
        { songwriterId: lyricist, share: 66.67, role: 'A', controlled: false },
      ],
    });
    expect(original).toMatchObject({
      alternateTitles: ['Harbour of Lanterns', 'Lanterna'],
      iswc: expect.stringMatching(/^T-\d{3}\.\d{3}\.\d{3}-\d$/),
      language: 'en',
      versionType: 'ORIGINAL',
      originalWork: null,
      controlled: true,
      createdBy: { id: spirit.userId },
    });
    expect(original.writers).toEqual([
      { role: 'A', share: '66.67', controlled: false, songwriter: { id: lyricist, name: 'Okonkwo' } },
      { role: 'C', share: '33.33', controlled: true, songwriter: { id: composer, name: 'Mara Quill' } },
    ]);
    const { rows } = await admin.query(`SELECT share::text, role FROM work_writers WHERE work_id = $1 ORDER BY share`, [original.id]);
    expect(rows).toEqual([
      { share: '33.33', role: 'C' },
      { share: '66.67', role: 'A' },
    ]);

    const translation = await work(spirit, {
      title: 'Puerto de Linternas',
      language: 'es',
      versionType: 'MODIFICATION',
      originalWorkId: original.id,
      writers: [{ songwriterId: lyricist, share: 100, role: 'TR' }],
    });
    expect(translation).toMatchObject({ versionType: 'MODIFICATION', originalWork: { id: original.id, title: 'Lantern Harbour' } });

    const songwriters = await as(
      spirit,
      `query($id: ID!) { songwriter(id: $id) { name firstName lastName ipi ipiNameNumber society { code name } } }`,
      {
        id: composer,
      },
    );
    expect(songwriters.data.songwriter).toMatchObject({
      name: 'Mara Quill',
      firstName: 'Mara',
      lastName: 'Quill',
      society: { code: '021', name: 'BMI' },
    });
    expect(songwriters.data.songwriter.ipi).toBe(songwriters.data.songwriter.ipiNameNumber);
  });

  it('refuses shares that do not add up to exactly 100.00 as a whole, naming the field, and changes nothing', async () => {
    const [a, b] = await Promise.all([
      songwriter(spirit, { lastName: 'Ashdown', ipiNameNumber: freshIpi() }),
      songwriter(spirit, { lastName: 'Brightwater', ipiNameNumber: freshIpi() }),
    ]);
    const target = await work(spirit, { title: 'Shares Held', writers: [{ songwriterId: a, share: 100 }] });
    const before = await spiritCatalog();
    for (const writers of [
      [
        { songwriterId: a, share: '50' },
        { songwriterId: b, share: '49.99' },
      ],
      [
        { songwriterId: a, share: '50.005' },
        { songwriterId: b, share: '49.995' },
      ],
    ]) {
      const refused = await as(
        spirit,
        `mutation($id: ID!, $w: [WorkWriterInput!]) { updateWork(id: $id, input: { title: "Changed", writers: $w }) { id } }`,
        {
          id: target.id,
          w: writers,
        },
      );
      expect(codesOf(refused)).toEqual(['BAD_USER_INPUT']);
      expect(refused.errors![0]!.extensions!.field).toMatch(/^writers/);
    }
    const created = await as(spirit, `mutation($w: [WorkWriterInput!]) { createWork(input: { title: "Never", writers: $w }) { id } }`, {
      w: [{ songwriterId: a, share: 99 }],
    });
    expect(created.errors![0]).toMatchObject({
      message: "the writers' shares add up to 99.00%; they must add up to exactly 100.00%",
      extensions: { code: 'BAD_USER_INPUT', field: 'writers' },
    });
    expect(await spiritCatalog()).toBe(before);
  });

  it('has the database refuse a writer line that breaks the total, when the transaction commits', async () => {
    const a = await songwriter(spirit, { lastName: 'Direct', ipiNameNumber: freshIpi() });
    const target = await work(spirit, { title: 'Held By The Database', writers: [{ songwriterId: a, share: 100 }] });
    await inScopeAs(platform.urls.apiUrl, { publisherId: spirit.publisherId!, userId: spirit.userId }, async (api) => {
      await api.query(`UPDATE work_writers SET share = 60 WHERE work_id = $1`, [target.id]);
      await expect(api.query('COMMIT')).rejects.toMatchObject({
        code: 'PP001',
        message: expect.stringContaining('must add up to 100.00%'),
      });
    });
    const { rows } = await admin.query(`SELECT share::text FROM work_writers WHERE work_id = $1`, [target.id]);
    expect(rows).toEqual([{ share: '100.00' }]);
  });

  it('keeps the total at 100.00 when two people change the writers at once', async () => {
    const ids = await Promise.all(
      ['One', 'Two', 'Three', 'Four'].map((n) => songwriter(spirit, { lastName: `Racer ${n}`, ipiNameNumber: freshIpi() })),
    );
    const target = await work(spirit, { title: 'Raced Shares', writers: [{ songwriterId: ids[0]!, share: 100 }] });
    const change = (writers: string[]) =>
      as(spirit, `mutation($id: ID!, $w: [WorkWriterInput!]) { updateWork(id: $id, input: { writers: $w }) { id } }`, {
        id: target.id,
        w: writers.map((songwriterId) => ({ songwriterId, share: (100 / writers.length).toFixed(2) })),
      });
    const results = await Promise.all([
      change([ids[0]!, ids[1]!]),
      change([ids[2]!, ids[3]!]),
      change([ids[1]!, ids[2]!]),
      change([ids[3]!, ids[0]!]),
    ]);
    for (const result of results) expect(result.errors).toBeUndefined();
    const { rows } = await admin.query(`SELECT sum(share)::text AS total, count(*)::int AS lines FROM work_writers WHERE work_id = $1`, [
      target.id,
    ]);
    expect(rows[0]).toEqual({ total: '100.00', lines: 2 });
  });

  it('registers an ISWC, an IPI name number and an ISRC once per publisher; another publisher may use them', async () => {
    const iswc = freshIswc();
    const ipi = freshIpi();
    const isrc = freshIsrc();
    await work(spirit, { title: 'First Claim', iswc });
    await songwriter(spirit, { lastName: 'Unique', ipiNameNumber: ipi });
    expect(
      (await as(spirit, `mutation($i: RecordingInput!) { createRecording(input: $i) { id } }`, { i: { title: 'Take 1', isrc } })).errors,
    ).toBeUndefined();
    const before = await spiritCatalog();
    // Two at once: the unique index decides, not a look-up that both could pass.
    const twice = await Promise.all([
      as(spirit, `mutation($i: CreateWorkInput!) { createWork(input: $i) { id } }`, { i: { title: 'Second Claim', iswc } }),
      as(spirit, `mutation($i: CreateWorkInput!) { createWork(input: $i) { id } }`, { i: { title: 'Third Claim', iswc } }),
    ]);
    for (const refused of twice) {
      expect(refused.errors![0]).toMatchObject({
        message: 'This ISWC is already registered to another work',
        extensions: { code: 'BAD_USER_INPUT', field: 'iswc' },
      });
    }
    const sameIpi = await as(spirit, `mutation($i: SongwriterInput!) { createSongwriter(input: $i) { id } }`, {
      i: { lastName: 'Twin', ipiNameNumber: ipi },
    });
    expect(sameIpi.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'ipiNameNumber' });
    const sameIsrc = await as(spirit, `mutation($i: RecordingInput!) { createRecording(input: $i) { id } }`, {
      i: { title: 'Take 2', isrc },
    });
    expect(sameIsrc.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'isrc' });
    expect(await spiritCatalog()).toBe(before);
    // The rule is per publisher: DMP registering the same codes learns nothing about Spirit's.
    await work(dmp, { title: 'Independent Claim', iswc });
    await songwriter(dmp, { lastName: 'Elsewhere', ipiNameNumber: ipi });
  });

  it('refuses identifiers with wrong check digits, naming the field', async () => {
    const cases: [string, string, Record<string, unknown>, string][] = [
      ['createSongwriter', 'SongwriterInput', { lastName: 'X', ipiNameNumber: '00014107339' }, 'ipiNameNumber'],
      ['createSongwriter', 'SongwriterInput', { lastName: 'X', ipiBaseNumber: 'I-000000229-8' }, 'ipiBaseNumber'],
      ['createSongwriter', 'SongwriterInput', { lastName: 'X', society: 'NOPE' }, 'society'],
      ['createRecording', 'RecordingInput', { title: 'X', isrc: 'US-RC1-7A-07839' }, 'isrc'],
      ['createRecording', 'RecordingInput', { title: 'X', releaseDate: '1850-01-01' }, 'releaseDate'],
      ['createWork', 'CreateWorkInput', { title: 'X', language: 'xx' }, 'language'],
      ['createWork', 'CreateWorkInput', { title: 'X', versionType: 'MODIFICATION' }, 'originalWorkId'],
      ['createWork', 'CreateWorkInput', { title: 'X', alternateTitles: ['ok', ' '] }, 'alternateTitles[1]'],
      [
        'createWork',
        'CreateWorkInput',
        { title: 'X', writers: [{ songwriterId: demoId('songwriter:spirit:1'), share: '-5' }] },
        'writers[0].share',
      ],
    ];
    const before = await spiritCatalog();
    for (const [mutation, type, input, field] of cases) {
      const refused = await as(spirit, `mutation($i: ${type}!) { ${mutation}(input: $i) { id } }`, { i: input });
      expect(refused.errors?.[0]?.extensions, `${mutation} ${JSON.stringify(input)}`).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    // A date that does not exist is refused by the Date scalar itself.
    const noSuchDay = await as(spirit, `mutation($i: RecordingInput!) { createRecording(input: $i) { id } }`, {
      i: { title: 'X', releaseDate: '2023-02-30' },
    });
    expect(codesOf(noSuchDay)).toEqual(['BAD_USER_INPUT']);
    expect(await spiritCatalog()).toBe(before);
  });
});

describe('recordings and works, both ways', () => {
  it('links a recording to its works and shows each from the other side', async () => {
    const a = await work(spirit, { title: 'Linked Alpha' });
    const b = await work(spirit, { title: 'Linked Beta' });
    const created = await as(
      spirit,
      `mutation($i: RecordingInput!) { createRecording(input: $i) { id artist releaseDate durationSeconds works { id } } }`,
      {
        i: {
          title: 'Medley',
          isrc: freshIsrc(),
          artist: 'The Linkers',
          releaseDate: '2021-06-04',
          durationSeconds: 245,
          workIds: [b.id, a.id],
        },
      },
    );
    expect(created.errors).toBeUndefined();
    const recording = created.data.createRecording;
    expect(recording).toMatchObject({ artist: 'The Linkers', releaseDate: '2021-06-04', durationSeconds: 245 });
    expect(recording.works.map((w: { id: string }) => w.id)).toEqual([a.id, b.id]);
    const fromWork = await as(spirit, `query($id: ID!) { work(id: $id) { recordings { id title } } }`, { id: a.id });
    expect(fromWork.data.work.recordings).toEqual([{ id: recording.id, title: 'Medley' }]);
    const byWork = await as(spirit, `query($w: ID!) { recordings(first: 5, filter: { work: $w }) { totalCount edges { node { id } } } }`, {
      w: b.id,
    });
    expect(byWork.data.recordings).toEqual({ totalCount: 1, edges: [{ node: { id: recording.id } }] });
    const relinked = await as(
      spirit,
      `mutation($id: ID!, $w: [ID!]) { updateRecording(id: $id, input: { workIds: $w }) { works { id } } }`,
      {
        id: recording.id,
        w: [b.id],
      },
    );
    expect(relinked.data.updateRecording.works).toEqual([{ id: b.id }]);
    // Another publisher's work cannot be linked: it is not found, like one that does not exist.
    const foreign = await as(spirit, `mutation($id: ID!, $w: [ID!]) { updateRecording(id: $id, input: { workIds: $w }) { id } }`, {
      id: recording.id,
      w: [demoId('work:dmp:1')],
    });
    expect(foreign.errors![0]).toMatchObject({
      message: `work ${demoId('work:dmp:1')} was not found`,
      extensions: { field: 'workIds[0]' },
    });
  });

  it('refuses to delete a work that has recordings or modifications, or a songwriter who writes works, and deletes nothing', async () => {
    const writer = await songwriter(spirit, { lastName: 'Keeper', ipiNameNumber: freshIpi() });
    const recorded = await work(spirit, { title: 'Recorded Work', writers: [{ songwriterId: writer, share: 100 }] });
    const original = await work(spirit, { title: 'Original Work' });
    await work(spirit, { title: 'Its Arrangement', versionType: 'MODIFICATION', originalWorkId: original.id });
    const recording = await as(spirit, `mutation($w: [ID!]) { createRecording(input: { title: "Keeps It", workIds: $w }) { id } }`, {
      w: [recorded.id],
    });
    const before = await spiritCatalog();
    const remove = (mutation: string, id: string) => as(spirit, `mutation($id: ID!) { ${mutation}(id: $id) }`, { id });
    expect((await remove('deleteWork', recorded.id)).errors![0]).toMatchObject({
      message: 'This work has 1 recording(s): unlink them from it (or delete them) first',
      extensions: { code: 'BAD_USER_INPUT', field: 'id' },
    });
    expect((await remove('deleteWork', original.id)).errors![0]).toMatchObject({
      message: 'This work is the original of 1 modification(s): delete them, or make them originals, first',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect((await remove('deleteSongwriter', writer)).errors![0]).toMatchObject({
      message: 'This songwriter writes 1 work(s); remove them from those works first',
      extensions: { code: 'BAD_USER_INPUT', field: 'id' },
    });
    expect(await spiritCatalog()).toBe(before);
    // Unlinked, the work goes, with its writer lines, and the songwriter can go after it.
    expect((await remove('deleteRecording', recording.data.createRecording.id)).errors).toBeUndefined();
    expect((await remove('deleteWork', recorded.id)).errors).toBeUndefined();
    expect((await remove('deleteSongwriter', writer)).errors).toBeUndefined();
  });

  it('has the database refuse a delete that races a new link', async () => {
    const target = await work(spirit, { title: 'Raced Delete' });
    const recording = await as(spirit, `mutation { createRecording(input: { title: "Raced Link" }) { id } }`);
    await inScopeAs(platform.urls.apiUrl, { publisherId: spirit.publisherId!, userId: spirit.userId }, async (api) => {
      await api.query(`INSERT INTO work_recordings (publisher_id, work_id, recording_id) VALUES ($1, $2, $3)`, [
        spirit.publisherId,
        target.id,
        recording.data.createRecording.id,
      ]);
      await expect(api.query(`DELETE FROM works WHERE id = $1`, [target.id])).rejects.toMatchObject({ code: '23503' });
    });
  });
});

describe('finding works', () => {
  const SEARCH = `query($f: WorkFilter, $o: WorkOrder, $first: Int, $after: String) {
    works(first: $first, after: $after, filter: $f, orderBy: $o) { totalCount pageInfo { hasNextPage endCursor } edges { node { id title } } } }`;
  const titles = (response: any): string[] => response.data.works.edges.map((e: any) => e.node.title);

  it('ranks titles that start with the search first, then titles with a similar word', async () => {
    for (const title of ['The Quokka Zephyr Blues', 'Quokka Zephyrs', 'Quokka Zephyr', 'Zephyr and Quokka', 'Quokka Nights']) {
      await work(spirit, { title });
    }
    const found = await as(spirit, SEARCH, { f: { search: 'quokka zephyr' }, first: 10 });
    expect(found.errors).toBeUndefined();
    const ranked = titles(found);
    // Prefix matches first, the exact title leading them; then similar words; unrelated never.
    expect(ranked.slice(0, 2)).toEqual(['Quokka Zephyr', 'Quokka Zephyrs']);
    expect(ranked).toContain('The Quokka Zephyr Blues');
    expect(ranked.indexOf('The Quokka Zephyr Blues')).toBeGreaterThan(1);
    expect(ranked).not.toContain('Quokka Nights');
    // Paging through a ranked list gives the same order, page by page.
    const first = await as(spirit, SEARCH, { f: { search: 'quokka zephyr' }, first: 1 });
    const second = await as(spirit, SEARCH, { f: { search: 'quokka zephyr' }, first: 10, after: first.data.works.pageInfo.endCursor });
    expect([...titles(first), ...titles(second)]).toEqual(ranked);
    // Nobody else's works are searched: DMP finds none of Spirit's.
    expect((await as(dmp, SEARCH, { f: { search: 'quokka zephyr' }, first: 10 })).data.works.totalCount).toBe(0);
  });

  it('filters by ISWC, IPI, ISRC, writer and control', async () => {
    const ipi = freshIpi();
    const isrc = freshIsrc();
    const iswc = freshIswc();
    const writer = await songwriter(spirit, { lastName: 'Filterby', ipiNameNumber: ipi });
    const controlled = await work(spirit, { title: 'Filter Controlled', iswc, writers: [{ songwriterId: writer, share: 100 }] });
    const uncontrolled = await work(spirit, {
      title: 'Filter Uncontrolled',
      writers: [{ songwriterId: writer, share: 100, controlled: false }],
    });
    await as(spirit, `mutation($i: RecordingInput!) { createRecording(input: $i) { id } }`, {
      i: { title: 'Filter Take', isrc, workIds: [uncontrolled.id] },
    });
    const ids = async (f: Record<string, unknown>) =>
      (await as(spirit, SEARCH, { f, first: 100 })).data.works.edges.map((e: any) => e.node.id).sort();
    expect(await ids({ iswc: iswc.replace(/[-.]/g, '') })).toEqual([controlled.id]);
    expect(await ids({ ipiNameNumber: ipi })).toEqual([controlled.id, uncontrolled.id].sort());
    expect(await ids({ writer })).toEqual([controlled.id, uncontrolled.id].sort());
    expect(await ids({ isrc })).toEqual([uncontrolled.id]);
    expect(await ids({ writer, controlled: true })).toEqual([controlled.id]);
    expect(await ids({ writer, controlled: false })).toEqual([uncontrolled.id]);
    // Another publisher's songwriter filters to nothing, as an unknown one does.
    expect(await ids({ writer: demoId('songwriter:dmp:1') })).toEqual([]);
    const bad = await as(spirit, SEARCH, { f: { ipiNameNumber: '123' }, first: 5 });
    expect(bad.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.ipiNameNumber' });
    const noSearch = await as(spirit, SEARCH, { o: { field: 'RELEVANCE' }, first: 5 });
    expect(noSearch.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'orderBy.field' });
  });

  it('pages by keyset: every work exactly once while others are added and changed meanwhile', async () => {
    const tag = `Kestrel${RUN}`;
    for (let i = 0; i < 20; i++) await work(spirit, { title: `${tag} ${String(i).padStart(2, '0')}` });
    for (const order of [
      { field: 'TITLE' },
      { field: 'TITLE', direction: 'DESC' },
      { field: 'CREATED_AT', direction: 'DESC' },
      { field: 'CREATED_AT' },
    ]) {
      const seen: string[] = [];
      const seenIds: string[] = [];
      let after: string | null = null;
      let page = 0;
      do {
        const response: any = await as(spirit, SEARCH, { f: { titleContains: tag }, o: order, first: 6, after });
        expect(response.errors).toBeUndefined();
        seen.push(...titles(response));
        seenIds.push(...response.data.works.edges.map((e: any) => e.node.id));
        after = response.data.works.pageInfo.hasNextPage ? response.data.works.pageInfo.endCursor : null;
        // Between pages, works are added on both sides of the cursor, at once.
        page += 1;
        await Promise.all([work(spirit, { title: `${tag} 00${page}` }), work(spirit, { title: `${tag} 99${page}` })]);
      } while (after);
      const originals = seen.filter((t) => /^\S+ \d{2}$/.test(t));
      expect(new Set(seenIds).size, `${JSON.stringify(order)}: no work twice`).toBe(seenIds.length);
      expect(originals.sort(), `${JSON.stringify(order)}: every work that was there`).toEqual(
        Array.from({ length: 20 }, (_, i) => `${tag} ${String(i).padStart(2, '0')}`),
      );
    }
    const wrongSort = await as(spirit, SEARCH, { f: { titleContains: tag }, o: { field: 'CREATED_AT' }, first: 2 });
    const title = await as(spirit, SEARCH, {
      f: { titleContains: tag },
      o: { field: 'TITLE' },
      first: 2,
      after: wrongSort.data.works.pageInfo.endCursor,
    });
    expect(codesOf(title)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('a client songwriter', () => {
  const CLIENT_SONGWRITER = demoId('songwriter:songtrust:client');

  it('sees only their own works through a co-writer and a search', async () => {
    const page = await as(
      client,
      `{ works(first: 10) { edges { node { id writers { songwriter { id works(first: 10) { totalCount edges { node { id } } } } }
         } } } }`,
    );
    expect(page.errors).toBeUndefined();
    const mine = (await admin.query(`SELECT work_id FROM work_writers WHERE songwriter_id = $1`, [CLIENT_SONGWRITER])).rows.map(
      (r) => r.work_id,
    );
    const nodes = page.data.works.edges.map((e: any) => e.node);
    expect(nodes.length).toBe(Math.min(mine.length, 10));
    for (const node of nodes) expect(mine).toContain(node.id);
    let coWriters = 0;
    for (const node of nodes) {
      for (const line of node.writers) {
        if (line.songwriter.id === CLIENT_SONGWRITER) continue;
        coWriters += 1;
        // A co-writer's works, as the client sees them: only those the client writes too.
        const { rows } = await admin.query(
          `SELECT work_id FROM work_writers WHERE songwriter_id = $1 AND work_id IN (SELECT work_id FROM work_writers WHERE songwriter_id = $2)`,
          [line.songwriter.id, CLIENT_SONGWRITER],
        );
        expect(line.songwriter.works.edges.map((e: any) => e.node.id).sort()).toEqual(rows.map((r) => r.work_id).sort());
        expect(line.songwriter.works.totalCount).toBe(rows.length);
      }
    }
    expect(coWriters).toBeGreaterThan(0);
    const searched = await as(client, `{ works(first: 100, filter: { search: "a" }) { edges { node { id } } } }`);
    expect(searched.errors).toBeUndefined();
    for (const edge of searched.data.works.edges) expect(mine).toContain(edge.node.id);
  });

  it('is held to their own works by the search functions themselves, not only by the policies on works', async () => {
    // The functions read as the owner: asked in the client's scope, they must apply the restriction.
    const scoped = (userId: string, sql: string) =>
      inScopeAs(platform.urls.apiUrl, { publisherId: demoId('publisher:songtrust'), userId }, async (api) =>
        (await api.query(sql)).rows.map((r) => r.work_id as string),
      );
    const mine = (await admin.query(`SELECT work_id FROM work_writers WHERE songwriter_id = $1`, [CLIENT_SONGWRITER])).rows.map(
      (r) => r.work_id,
    );
    for (const sql of [`SELECT work_id FROM app_work_title_search('a', '%')`, `SELECT work_id FROM app_work_title_contains('%')`]) {
      const asClient = await scoped(client.userId, sql);
      expect(asClient.length).toBeGreaterThan(0);
      for (const id of asClient) expect(mine).toContain(id);
      // The publisher's Owner finds all of its works, the client's few among them.
      expect((await scoped(demoId('user:owner@songtrust.demo'), sql)).length).toBeGreaterThan(asClient.length);
    }
  });
});
