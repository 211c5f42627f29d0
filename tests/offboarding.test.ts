import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { extract as tarExtract } from 'tar-stream';
import { DEMO_PASSWORD, demoId } from '@platform/demo-data';
import { codesOf, graphql, startOwnPlatform, type GraphQLResponse, type OwnPlatform } from '@platform/testing';

/**
 * Offboarding a publisher: started on a suspended publisher with its slug typed again, exported as
 * a tar.gz of NDJSON per table, then deleted table by table in batches. The proof: afterwards no
 * table holds a row of it, no other publisher lost or changed a row (per-table checksums), and a
 * deletion killed midway goes on where it stopped when run again.
 */

let platform: OwnPlatform;
let admin: pg.Client;
let gateway: string;
let operator: string;

const SPIRIT = demoId('publisher:spirit');
const root = fileURLToPath(new URL('..', import.meta.url));

const as = (token: string, document: string, variables: Record<string, unknown> = {}) => graphql(gateway, document, variables, { token });
const fieldOf = (response: GraphQLResponse) => response.errors?.[0]?.extensions?.field;

async function tokenOf(email: string): Promise<string> {
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
      i: { email, password: DEMO_PASSWORD },
    },
  );
  if (!response.data?.login) throw new Error(`${email} could not sign in: ${JSON.stringify(response.errors)}`);
  return response.data.login.accessToken;
}

const OFFBOARDING = `publisherId slug exportPath exportedAt finishedAt tables { table exported deleted }`;
const START = `mutation($i: OffboardPublisherInput!) { startOffboarding(input: $i) { ${OFFBOARDING} } }`;
const OFFBOARD = `mutation($i: OffboardPublisherInput!) { offboardPublisher(input: $i) { ${OFFBOARDING} } }`;

/** Every table with a publisher_id column, read from the catalog here, not from the code under test. */
async function publisherTables(): Promise<string[]> {
  const { rows } = await admin.query(
    `SELECT c.table_name FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
      WHERE c.table_schema = 'public' AND c.column_name = 'publisher_id' ORDER BY 1`,
  );
  return rows.map((r) => r.table_name);
}

/** Per table: the number and a checksum of the rows of every other publisher (and every account and user). */
async function othersChecksums(): Promise<Record<string, string>> {
  const sums: Record<string, string> = {};
  for (const table of [...(await publisherTables()), 'publishers', 'accounts', 'users']) {
    const column = table === 'publishers' ? 'id' : table === 'accounts' || table === 'users' ? null : 'publisher_id';
    const where = column ? `WHERE ${column} IS NOT NULL AND ${column} <> $1` : 'WHERE $1::uuid IS NOT NULL';
    const { rows } = await admin.query(
      `SELECT count(*)::int AS n, coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') AS sum FROM ${table} t ${where}`,
      [SPIRIT],
    );
    sums[table] = `${rows[0].n}:${rows[0].sum}`;
  }
  return sums;
}

async function spiritRows(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of await publisherTables()) {
    if (table === 'platform_audit_log' || table === 'publisher_offboardings') continue;
    const { rows } = await admin.query(`SELECT count(*)::int AS n FROM ${table} WHERE publisher_id = $1`, [SPIRIT]);
    if (rows[0].n > 0) counts[table] = rows[0].n;
  }
  return counts;
}

/** A statement as the application role in the operator's platform scope, as the services run it. */
async function asOperatorInDatabase(sql: string, values: unknown[]): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: platform.urls.apiUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT set_config('app.user_id', $1, true)`, [demoId('user:operator@platform.demo')]);
    const { rows } = await client.query(sql, values);
    await client.query('COMMIT');
    return rows;
  } finally {
    await client.end();
  }
}

/** The archive's entries: name → contents. */
async function unpack(archive: Buffer): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  const extract = tarExtract();
  Readable.from([archive]).pipe(createGunzip()).pipe(extract);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    entries.set(entry.header.name, Buffer.concat(chunks).toString('utf8'));
  }
  return entries;
}

beforeAll(async () => {
  platform = await startOwnPlatform(inject('clusterAdminUrl'), 'offboarding_spec');
  gateway = platform.a.gatewayUrl;
  admin = platform.admin;
  operator = await tokenOf('operator@platform.demo');
});

afterAll(async () => {
  await platform?.stop();
});

describe('offboarding a publisher', () => {
  it('reaches every table a publisher owns rows of: each has the owner policy the deletion sees it through', async () => {
    const tables = (await publisherTables()).filter((t) => t !== 'platform_audit_log' && t !== 'publisher_offboardings');
    const { rows } = await admin.query(`SELECT tablename FROM pg_policies WHERE schemaname = 'public' AND policyname = 'offboarding'`);
    const covered = new Set(rows.map((r) => r.tablename));
    expect(tables.filter((t) => !covered.has(t))).toEqual([]);
    expect(covered.has('publishers')).toBe(true);
  });

  it(
    'exports everything Spirit owns, deletes it all (surviving a kill midway), and leaves every other row as it was',
    { timeout: 120_000 },
    async () => {
      // Richer than the demo: a pending invitation (its token hash must not be exported), and the
      // outbox events not yet delivered.
      const owner = await tokenOf('owner@spirit.demo');
      expect(
        (await as(owner, `mutation { inviteMember(input: { email: "leaving@spirit.demo", roles: ["viewer"] }) { id } }`)).errors,
      ).toBeUndefined();

      // Refused until suspended, and without the slug typed again.
      const input = { publisherId: SPIRIT, confirmSlug: 'spirit' };
      expect(fieldOf(await as(operator, START, { i: input }))).toBe('publisherId');
      expect(
        (await as(operator, `mutation { suspendPublisher(publisherId: "${SPIRIT}", reason: "Contract ended") { status } }`)).errors,
      ).toBeUndefined();
      const before = await othersChecksums();
      const owned = await spiritRows();
      expect(fieldOf(await as(operator, START, { i: { ...input, confirmSlug: 'spirit-music' } }))).toBe('confirmSlug');
      // Only with platform:offboard.
      const support = await tokenOf('support@platform.demo');
      expect(codesOf(await as(support, START, { i: input }))).toEqual(['FORBIDDEN']);
      const started = await as(operator, START, { i: input });
      expect(started.errors).toBeUndefined();
      expect(started.data.startOffboarding).toMatchObject({ slug: 'spirit', exportedAt: null, finishedAt: null });
      // No deletion before the export.
      expect(fieldOf(await as(operator, OFFBOARD, { i: input }))).toBe('publisherId');

      // The export, through the gateway: refused to support and to the publisher's own owner.
      const exportUrl = `${gateway.replace(/\/graphql$/, '')}${started.data.startOffboarding.exportPath}`;
      expect((await fetch(exportUrl, { headers: { authorization: `Bearer ${support}` } })).status).toBe(403);
      expect((await fetch(exportUrl, { headers: { authorization: `Bearer ${owner}` } })).status).toBe(403);
      const response = await fetch(exportUrl, { headers: { authorization: `Bearer ${operator}` } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/gzip');
      const entries = await unpack(Buffer.from(await response.arrayBuffer()));
      const manifest = JSON.parse(entries.get('manifest.json')!);
      const lines: Record<string, number> = {};
      for (const [name, body] of entries) {
        if (!name.endsWith('.ndjson') || name === 'people.ndjson') continue;
        const table = name.split('/')[0]!;
        const rows = body
          .trimEnd()
          .split('\n')
          .map((line) => JSON.parse(line));
        for (const row of rows) {
          expect(row.publisher_id, name).toBe(SPIRIT);
          for (const secret of ['token_hash', 'refresh_token_hash', 'key_hash', 'bind_password_encrypted'])
            expect(row, name).not.toHaveProperty(secret);
        }
        lines[table] = (lines[table] ?? 0) + rows.length;
      }
      expect(lines).toEqual(owned);
      expect(Object.fromEntries(Object.entries(manifest.rows).filter(([, n]) => Number(n) > 0))).toEqual(owned);
      expect(entries.get('people.ndjson')).toContain('owner@spirit.demo');
      expect(owned).toHaveProperty('outbox');
      expect(owned).toHaveProperty('invitations');

      // The deletion, from the command line in batches of 25, killed once it printed 100 rows deleted.
      const env = { ...process.env, LOG_LEVEL: 'silent', DATABASE_URL: platform.urls.apiUrl, DATABASE_OWNER_URL: platform.urls.ownerUrl };
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'scripts/platform-offboard.ts',
          'spirit',
          '--operator',
          'operator@platform.demo',
          '--confirm',
          'spirit',
          '--batch-size',
          '25',
        ],
        { cwd: root, env },
      );
      let printed = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          printed += chunk.toString();
          const deletedSoFar = [...printed.matchAll(/^deleted (\d+) rows/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
          if (deletedSoFar >= 100) child.kill('SIGKILL');
        });
        child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`exited ${code}: ${printed}`))));
      });
      const midway = await spiritRows();
      const removedMidway = Object.values(owned).reduce((a, b) => a + b, 0) - Object.values(midway).reduce((a, b) => a + b, 0);
      expect(removedMidway).toBeGreaterThanOrEqual(100);
      expect(Object.keys(midway).length).toBeGreaterThan(0);
      const recorded = (await admin.query(`SELECT deleted FROM publisher_offboardings WHERE publisher_id = $1`, [SPIRIT])).rows[0].deleted;
      expect(Object.values(recorded as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(removedMidway);

      // Once rows are gone, reactivating is refused: finishing is all that is left.
      const reactivate = `mutation { reactivatePublisher(publisherId: "${SPIRIT}") { status } }`;
      expect(fieldOf(await as(operator, reactivate))).toBe('publisherId');

      // Run again (through the API this time): it goes on where the killed run stopped.
      const done = await as(operator, OFFBOARD, { i: input });
      expect(done.errors).toBeUndefined();
      const report = done.data.offboardPublisher;
      expect(report.finishedAt).not.toBeNull();
      const deleted = Object.fromEntries(
        report.tables
          .filter((t: { deleted: number }) => t.deleted > 0)
          .map((t: { table: string; deleted: number }) => [t.table, t.deleted]),
      );
      expect(deleted).toEqual({ ...owned, publishers: 1 });
      console.log(`offboarding spirit: ${JSON.stringify(deleted)}; ${removedMidway} rows deleted before the kill`);

      // No table holds a row of Spirit; every other row is as it was.
      expect(await spiritRows()).toEqual({});
      expect((await admin.query(`SELECT count(*)::int AS n FROM publishers WHERE id = $1`, [SPIRIT])).rows[0].n).toBe(0);
      const after = await othersChecksums();
      expect(after).toEqual(before);

      // Idempotent: asking again answers the same record, and the end is recorded once.
      expect(await asOperatorInDatabase(`SELECT app_offboarding_finish($1) AS ended`, [SPIRIT])).toEqual([{ ended: false }]);
      const again = await as(operator, OFFBOARD, { i: input });
      expect(again.data.offboardPublisher.finishedAt).toBe(report.finishedAt);
      const log = await admin.query(`SELECT action FROM platform_audit_log WHERE publisher_id = $1 ORDER BY sequence`, [SPIRIT]);
      expect(log.rows.map((r) => r.action)).toEqual([
        'publisher.suspended',
        'publisher.offboarding_started',
        'publisher.exported',
        'publisher.offboarded',
      ]);
      // The owner's sessions went with the publisher.
      expect(codesOf(await as(owner, `{ works(first: 1) { totalCount } }`))).toEqual(['UNAUTHENTICATED']);
    },
  );

  it('is called off by reactivating the publisher before anything is deleted, and started once by parallel operators', async () => {
    const SHEER = demoId('publisher:sheer');
    expect(
      (await as(operator, `mutation { suspendPublisher(publisherId: "${SHEER}", reason: "Paused") { status } }`)).errors,
    ).toBeUndefined();
    const input = { publisherId: SHEER, confirmSlug: 'sheer' };
    const starts = await Promise.all(Array.from({ length: 4 }, () => as(operator, START, { i: input })));
    expect(starts.map((s) => s.errors)).toEqual([undefined, undefined, undefined, undefined]);
    const logged = await admin.query(
      `SELECT count(*)::int AS n FROM platform_audit_log WHERE publisher_id = $1 AND action = 'publisher.offboarding_started'`,
      [SHEER],
    );
    expect(logged.rows[0].n).toBe(1);
    // Started once, whoever asks again: the database says so to the caller that did not start it.
    expect(await asOperatorInDatabase(`SELECT app_offboarding_begin($1) AS began`, [SHEER])).toEqual([{ began: false }]);
    expect(
      (await as(operator, `mutation { reactivatePublisher(publisherId: "${SHEER}") { status } }`)).data.reactivatePublisher.status,
    ).toBe('ACTIVE');
    expect((await as(operator, `query($p: ID!) { offboarding(publisherId: $p) { slug } }`, { p: SHEER })).data.offboarding).toBeNull();
  });
});
