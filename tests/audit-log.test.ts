import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { DEMO_PASSWORD, demoId } from '@platform/demo-data';
import { codesOf, graphql, inScopeAs, login, runCommand, startOwnPlatform, type OwnPlatform, type Session } from '@platform/testing';

/**
 * The audit log as evidence: who acted and from where, a hash chain per publisher that
 * `pnpm audit:verify` follows, append-only in the database, filtered reading and a streamed export.
 */

let platform: OwnPlatform;
let admin: pg.Client;
let gateway: string;
let owner: Session;
const DMP = demoId('publisher:dmp');

beforeAll(async () => {
  platform = await startOwnPlatform(inject('clusterAdminUrl'), 'audit_spec');
  gateway = platform.a.gatewayUrl;
  admin = platform.admin;
  owner = await login(gateway, 'owner@dmp.demo', DEMO_PASSWORD);
});

afterAll(async () => {
  await platform?.stop();
});

const ENTRIES = `query($f: AuditLogFilter, $first: Int, $after: String) {
  auditLog(filter: $f, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { sequence action entityId actorType actor { id } actorPartnerClientId requestId clientAddress data hash previousHash } }
  }
}`;
const CREATE_WORK = `mutation($t: String!) { createWork(input: { title: $t }) { id } }`;

async function entries(session: Session, filter: Record<string, unknown> = {}, first = 100) {
  const answer = await graphql(gateway, ENTRIES, { f: filter, first }, { token: session.token });
  if (answer.errors) throw new Error(JSON.stringify(answer.errors));
  return answer.data.auditLog as { totalCount: number; edges: { node: any }[] };
}

/** The services' role, in DMP's scope, in a transaction rolled back afterwards. */
const asApplication = <T>(work: (client: pg.Client) => Promise<T>) => inScopeAs(platform.urls.apiUrl, { publisherId: DMP }, work);

describe('an entry', () => {
  it('names the person, the request and the address it came from, and links to the entry before it', async () => {
    const created = await graphql(
      gateway,
      CREATE_WORK,
      { t: 'Provenance' },
      { token: owner.token, headers: { 'x-request-id': 'req-provenance-1' } },
    );
    const workId = created.data.createWork.id;
    const [entry] = (await entries(owner, { target: workId })).edges.map((e) => e.node);
    expect(entry).toMatchObject({
      action: 'work.created',
      actorType: 'USER',
      actor: { id: owner.userId },
      actorPartnerClientId: null,
      requestId: 'req-provenance-1',
      clientAddress: '127.0.0.1',
      data: expect.objectContaining({ title: 'Provenance' }),
    });
    // The chain: numbered without gaps, each entry naming its predecessor's hash.
    for (const t of ['Chain 1', 'Chain 2']) await graphql(gateway, CREATE_WORK, { t }, { token: owner.token });
    const log = (await entries(owner, {}, 100)).edges.map((e) => e.node);
    expect(log.length).toBeGreaterThanOrEqual(3);
    for (const [newer, older] of log.slice(0, -1).map((n, i) => [n, log[i + 1]])) {
      expect(newer.sequence).toBe(older.sequence + 1);
      expect(newer.previousHash).toBe(older.hash);
    }
    expect(entry.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("names a partner key's client, and the person who issued it", async () => {
    const created = await graphql(
      gateway,
      `
        mutation {
          createPartnerClient(input: { name: "Audited", permissions: ["work:read", "work:write"], mode: AUDIT }) {
            apiKey
            client {
              id
            }
          }
        }
      `,
      {},
      { token: owner.token },
    );
    const { apiKey, client } = created.data.createPartnerClient;
    const work = await graphql(gateway, CREATE_WORK, { t: 'By a partner' }, { headers: { 'x-api-key': apiKey } });
    expect(work.errors).toBeUndefined();
    const [entry] = (await entries(owner, { target: work.data.createWork.id })).edges.map((e) => e.node);
    expect(entry).toMatchObject({ actorType: 'PARTNER_CLIENT', actorPartnerClientId: client.id, actor: { id: owner.userId } });
    expect((await entries(owner, { actor: client.id })).edges.map((e) => e.node.entityId)).toEqual([work.data.createWork.id]);
  });
});

describe('append-only', () => {
  it('refuses every change and removal, to the application role, the table owner and a superuser alike', async () => {
    await graphql(gateway, CREATE_WORK, { t: 'Kept' }, { token: owner.token });
    await asApplication(async (client) => {
      await expect(client.query(`UPDATE audit_log SET action = 'work.deleted'`)).rejects.toThrow(/permission denied/);
    });
    await asApplication(async (client) => {
      await expect(client.query(`DELETE FROM audit_log`)).rejects.toThrow(/permission denied/);
    });
    // In the publisher's scope, where row-level security lets the owner reach the rows.
    await inScopeAs(platform.urls.ownerUrl, { publisherId: DMP }, async (ownerClient) => {
      await expect(ownerClient.query(`UPDATE audit_log SET action = 'work.deleted' WHERE publisher_id = $1`, [DMP])).rejects.toThrow(
        /append-only/,
      );
    });
    await expect(admin.query(`DELETE FROM audit_log WHERE publisher_id = $1`, [DMP])).rejects.toThrow(/append-only/);
    await expect(admin.query(`TRUNCATE audit_log`)).rejects.toThrow(/append-only/);
    // An entry forged with its own numbers gets the chain's instead.
    await asApplication(async (client) => {
      await client.query(
        `INSERT INTO audit_log (publisher_id, actor_type, action, entity_type, entity_id, seq, hash) VALUES ($1, 'SYSTEM', 'work.deleted', 'Work', 'x', 1, '\\x00')`,
        [DMP],
      );
      const { rows } = await client.query(`SELECT seq::int, encode(hash, 'hex') AS hash FROM audit_log WHERE entity_id = 'x'`);
      expect(rows[0].seq).toBeGreaterThan(1);
      expect(rows[0].hash).not.toBe('00');
    });
  });
});

describe('reading the log', () => {
  it('filters by action, kind of action, actor, target and time, and pages through the result', async () => {
    for (const t of ['Filter A', 'Filter B', 'Filter C']) await graphql(gateway, CREATE_WORK, { t }, { token: owner.token });
    const created = await entries(owner, { action: 'work.created' });
    expect(created.edges.every((e) => e.node.action === 'work.created')).toBe(true);
    const works = await entries(owner, { action: 'work.*' });
    expect(works.totalCount).toBeGreaterThanOrEqual(created.totalCount);
    expect(works.edges.every((e) => e.node.action.startsWith('work.'))).toBe(true);
    expect((await entries(owner, { actor: owner.userId })).totalCount).toBeGreaterThanOrEqual(3);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await entries(owner, { from: future })).totalCount).toBe(0);
    const firstPage = await graphql(gateway, ENTRIES, { f: { action: 'work.created' }, first: 2 }, { token: owner.token });
    const secondPage = await graphql(
      gateway,
      ENTRIES,
      { f: { action: 'work.created' }, first: 2, after: firstPage.data.auditLog.pageInfo.endCursor },
      { token: owner.token },
    );
    const [a, b] = firstPage.data.auditLog.edges.map((e: { node: { sequence: number } }) => e.node.sequence);
    const [c] = secondPage.data.auditLog.edges.map((e: { node: { sequence: number } }) => e.node.sequence);
    expect(a).toBeGreaterThan(b);
    expect(b).toBeGreaterThan(c);
  });

  it('names the field of a filter it cannot use', async () => {
    for (const [filter, field] of [
      [{ action: 'work.exploded' }, 'filter.action'],
      [{ actor: 'someone' }, 'filter.actor'],
      [{ from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 'filter.from'],
    ] as const) {
      const answer = await graphql(gateway, ENTRIES, { f: filter }, { token: owner.token });
      expect(answer.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
  });

  it("shows another publisher's entries to no filter", async () => {
    const dmpWork = (await graphql(gateway, CREATE_WORK, { t: 'Not for Spirit' }, { token: owner.token })).data.createWork.id;
    const spirit = await login(gateway, 'owner@spirit.demo', DEMO_PASSWORD, 'spirit');
    expect((await entries(spirit, { target: dmpWork })).totalCount).toBe(0);
    expect((await entries(spirit, { actor: owner.userId })).totalCount).toBe(0);
  });
});

describe('the export', () => {
  const exportUrl = (query: string) => new URL(`/audit-log/export?${query}`, gateway).toString();
  const range = () => `from=${new Date(Date.now() - 3_600_000).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`;

  it('streams a date range as NDJSON, oldest first, entry for entry what auditLog holds', async () => {
    const response = await fetch(exportUrl(`${range()}&format=ndjson`), { headers: { authorization: `Bearer ${owner.token}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/x-ndjson');
    expect(response.headers.get('content-disposition')).toMatch(/attachment; filename="audit-log-/);
    const lines = (await response.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const log = await entries(owner, { from: new Date(Date.now() - 3_600_000).toISOString() }, 100);
    expect(lines.length).toBe(log.totalCount);
    expect(lines.map((l) => l.sequence)).toEqual([...lines.map((l) => l.sequence)].sort((x, y) => x - y));
    expect(lines.at(-1)).toMatchObject({ hash: log.edges[0]!.node.hash, action: log.edges[0]!.node.action });
  });

  it('writes CSV with a header, and defuses cells a spreadsheet would run as formulas', async () => {
    // A request id that is not a plain token is replaced at the door; a plain one may still start
    // like a formula (`-`), and its cell is defused.
    await graphql(gateway, CREATE_WORK, { t: 'Formula' }, { token: owner.token, headers: { 'x-request-id': '=HYPERLINK("http://evil")' } });
    await graphql(gateway, CREATE_WORK, { t: 'Minus' }, { token: owner.token, headers: { 'x-request-id': '-2:evil' } });
    const response = await fetch(exportUrl(`${range()}&format=csv`), { headers: { authorization: `Bearer ${owner.token}` } });
    const text = await response.text();
    expect(text.split('\n')[0]).toBe(
      'sequence,id,createdAt,actorType,actorUserId,actorPartnerClientId,action,entityType,entityId,requestId,clientAddress,data,hash,previousHash',
    );
    expect(text).not.toContain('HYPERLINK');
    expect(text).toContain(`,'-2:evil,`);
    expect(text).not.toMatch(/,-2:evil/);
  });

  it('refuses a caller without audit:read, without a token, or with a range it cannot read', async () => {
    const viewer = await login(gateway, 'viewer@dmp.demo', DEMO_PASSWORD);
    const denied = await fetch(exportUrl(range()), { headers: { authorization: `Bearer ${viewer.token}` } });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as any).errors[0].extensions.code).toBe('FORBIDDEN');
    expect((await fetch(exportUrl(range()))).status).toBe(401);
    const bad = await fetch(exportUrl('from=yesterday&to=2026-01-01'), { headers: { authorization: `Bearer ${owner.token}` } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'from' });
    const forged = await fetch(exportUrl(range()), { headers: { authorization: 'Bearer not-a-token' } });
    expect(forged.status).toBe(401);
  });
});

describe('pnpm audit:verify', () => {
  const env = () => ({
    DATABASE_URL: platform.urls.apiUrl,
    DATABASE_OWNER_URL: platform.urls.ownerUrl,
    DATABASE_ADMIN_URL: platform.urls.adminUrl,
  });

  it('follows every chain, and names the first entry changed or removed behind the database', async () => {
    const intact = await runCommand('audit-verify', [], env());
    expect(intact.code, intact.stdout + intact.stderr).toBe(0);
    expect(intact.stdout).toMatch(/dmp: \d+ entries, chain intact, head [0-9a-f]{64}/);
    expect(intact.stdout).toMatch(/spirit: \d+ entries, chain intact/);

    // Someone with the superuser's keys switches the trigger off and edits an entry.
    await admin.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
    try {
      await admin.query(`UPDATE audit_log SET data = '{"title":"forged"}' WHERE publisher_id = $1 AND seq = 2`, [DMP]);
      const changed = await runCommand('audit-verify', [], env());
      expect(changed.code).toBe(1);
      expect(changed.stdout).toContain('dmp: BROKEN after 1 intact entries: entry 2 was changed after it was written');
      expect(changed.stdout).toMatch(/spirit: \d+ entries, chain intact/);
      expect(changed.stderr.trim()).toBe('failed: 1 audit chain(s) broken');

      await admin.query(`DELETE FROM audit_log WHERE publisher_id = $1 AND seq = 2`, [DMP]);
      const removed = await runCommand('audit-verify', ['--publisher', 'dmp'], env());
      expect(removed.stdout).toContain('dmp: BROKEN after 1 intact entries: entry 2 is missing (the next one is 3)');
    } finally {
      await admin.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
    }
  });
});

describe('entries read as before', () => {
  it('keep their codes when refused', async () => {
    const viewer = await login(gateway, 'viewer@dmp.demo', DEMO_PASSWORD);
    expect(codesOf(await graphql(gateway, ENTRIES, {}, { token: viewer.token }))).toEqual(['FORBIDDEN']);
  });
});
