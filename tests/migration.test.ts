import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { migrate, prepareSchema } from '@platform/db/admin';
import { templatesFor } from '@platform/permissions';
import { createPlatformDatabase, LEGACY_TABLES, legacyChecksumQuery, loadLegacyCatalog, type LegacyTable } from '@platform/testing';

/**
 * The upgrade path from the legacy tenant schema (001/002) to publishers (003) and back, on a
 * generated legacy data set of 150,000 catalog rows across six tenants.
 */

const SIZE = { tenants: 6, works: 40_000, songwriters: 10_000, recordings: 20_000 };
const TENANTS = SIZE.tenants;

type Checksums = Record<string, Map<string, string>>;

let urls: { ownerUrl: string; adminUrl: string; apiUrl: string };
let admin: pg.Client;
const progress: string[] = [];

beforeAll(async () => {
  urls = await createPlatformDatabase(inject('clusterAdminUrl'), 'legacy_upgrade');
  await migrate({ ownerUrl: urls.ownerUrl, target: '2', log: () => {} });
  admin = new pg.Client({ connectionString: urls.adminUrl });
  await admin.connect();
  await loadLegacyCatalog(admin, SIZE);
});

afterAll(async () => {
  await admin?.end();
});

describe('the tenant → publisher migration', () => {
  let legacySchema: unknown;
  let legacyData: Checksums;

  it('starts from a legacy data set of at least 100,000 catalog rows across several tenants', async () => {
    const { rows } = await admin.query(`
      SELECT (SELECT count(*) FROM songwriters) + (SELECT count(*) FROM works) + (SELECT count(*) FROM recordings)
           + (SELECT count(*) FROM work_writers) + (SELECT count(*) FROM work_recordings) AS catalog_rows,
             (SELECT count(DISTINCT tenant_id) FROM works) AS tenants`);
    expect(Number(rows[0].catalog_rows)).toBeGreaterThanOrEqual(145_000);
    expect(Number(rows[0].tenants)).toBe(TENANTS);
    legacySchema = await schemaSnapshot(admin);
    legacyData = await checksums(admin, false);
  });

  it('keeps every row and every legacy value, with publishers taking the tenant ids', async () => {
    const started = performance.now();
    const result = await migrate({ ownerUrl: urls.ownerUrl, target: '3', log: (line) => progress.push(line) });
    const seconds = (performance.now() - started) / 1000;
    console.log(`003_publisher_architecture on ${rowCount(legacyData).toLocaleString('en')} rows: ${seconds.toFixed(2)} s`);
    expect(result).toMatchObject({ from: 2, to: 3 });

    const migrated = await checksums(admin, true);
    for (const [table, rows] of Object.entries(legacyData)) {
      const after = migrated[table]!;
      expect(after.size, `${table} row count`).toBe(rows.size);
      const changed = [...rows].filter(([key, sum]) => after.get(key) !== sum).map(([key]) => key);
      expect(changed, `${table} rows whose legacy columns changed`).toEqual([]);
    }
    const { rows: accounts } = await admin.query(`SELECT count(*)::int AS n FROM publishers p JOIN accounts a ON a.id = p.account_id`);
    expect(accounts[0].n).toBe(TENANTS);
  });

  it('prints what it is doing while it migrates', () => {
    expect(progress).toContain('migrating: do 3 publisher_architecture');
    for (let step = 1; step <= 8; step += 1) expect(progress.some((line) => line.includes(`003 step ${step}/8`))).toBe(true);
    expect(progress.some((line) => /\d+ rows of works backfilled/.test(line))).toBe(true);
  });

  it('puts the migrated rows under publisher row-level security', async () => {
    const { rows: tenants } = await admin.query(
      `SELECT p.id, count(w.id)::int AS works FROM publishers p JOIN works w ON w.publisher_id = p.id GROUP BY p.id`,
    );
    const api = new pg.Client({ connectionString: urls.apiUrl });
    await api.connect();
    try {
      for (const tenant of tenants) {
        await api.query('BEGIN');
        await api.query(`SELECT set_config('app.publisher_id', $1, true)`, [tenant.id]);
        const { rows } = await api.query(
          `SELECT count(*)::int AS n, count(*) FILTER (WHERE publisher_id <> $1)::int AS foreign FROM works`,
          [tenant.id],
        );
        await api.query('COMMIT');
        expect(rows[0]).toEqual({ n: tenant.works, foreign: 0 });
      }
    } finally {
      await api.end();
    }
  });

  it('gives every migrated tenant the role templates of its publisher type', async () => {
    // The upgrade path itself: the newest schema, the permission catalog, then the templates.
    const lines: string[] = [];
    expect(await prepareSchema(urls.ownerUrl, (line) => lines.push(line))).toMatchObject({ from: 3 });
    expect(lines).toContain(`role templates: synced for ${TENANTS} publishers`);
    const { rows } = await admin.query(`SELECT p.type, count(r.id)::int AS templates FROM publishers p
                                          LEFT JOIN roles r ON r.publisher_id = p.id AND r.is_template GROUP BY p.id, p.type`);
    expect(rows).toHaveLength(TENANTS);
    for (const row of rows) expect(row.templates).toBe(templatesFor(row.type).length);
  });

  it('rolls back through every later migration to the legacy schema and data, identical to before', async () => {
    await migrate({ ownerUrl: urls.ownerUrl, log: () => {} });
    const result = await migrate({ ownerUrl: urls.ownerUrl, target: '2', log: () => {} });
    expect(result.from).toBeGreaterThan(3);
    expect(result.to).toBe(2);
    expect(await schemaSnapshot(admin)).toEqual(legacySchema);
    const restored = await checksums(admin, false);
    for (const [table, rows] of Object.entries(legacyData)) {
      expect(restored[table], table).toEqual(rows);
    }
  });

  it('refuses, with a message naming the problem, to migrate legacy links that cross tenants', async () => {
    const { rows } = await admin.query(`SELECT w.id AS work, s.id AS writer, w.tenant_id FROM works w, songwriters s
                                          WHERE s.tenant_id <> w.tenant_id LIMIT 1`);
    await admin.query(`INSERT INTO work_writers (work_id, songwriter_id, tenant_id, share) VALUES ($1, $2, $3, 1)`, [
      rows[0].work,
      rows[0].writer,
      rows[0].tenant_id,
    ]);
    await expect(migrate({ ownerUrl: urls.ownerUrl, target: '3', log: () => {} })).rejects.toThrow(
      /1 work_writers\/work_recordings rows link rows of different tenants/,
    );
    const { rows: version } = await admin.query(`SELECT max(version)::int AS v FROM schema_migrations`);
    expect(version[0].v).toBe(2);
    expect((await admin.query(`SELECT to_regclass('publishers') AS t`)).rows[0].t).toBeNull();
  });
});

/** A checksum of every legacy column of every row, keyed by the row's legacy key. */
async function checksums(client: pg.Client, migrated: boolean): Promise<Checksums> {
  const result: Checksums = {};
  for (const table of Object.keys(LEGACY_TABLES) as LegacyTable[]) {
    const { rows } = await client.query<{ key: string; sum: string }>(legacyChecksumQuery(table, migrated));
    result[table] = new Map(rows.map((r) => [r.key, r.sum]));
  }
  return result;
}

function rowCount(data: Checksums): number {
  return Object.values(data).reduce((n, rows) => n + rows.size, 0);
}

/** Tables, columns, constraints, indexes, policies, RLS flags, grants, functions and types. */
async function schemaSnapshot(client: pg.Client): Promise<unknown> {
  const { rows } = await client.query(`
    SELECT json_build_object(
      'columns', (SELECT json_agg(x ORDER BY table_name, ordinal_position) FROM (
         SELECT table_name, column_name, ordinal_position, data_type, is_nullable, column_default
           FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'schema_migrations') x),
      'constraints', (SELECT json_agg(x ORDER BY tbl, conname) FROM (
         SELECT conrelid::regclass::text AS tbl, conname, pg_get_constraintdef(oid) AS def
           FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid <> 'schema_migrations'::regclass) x),
      'indexes', (SELECT json_agg(x ORDER BY indexname) FROM (
         SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'schema_migrations') x),
      'policies', (SELECT json_agg(x ORDER BY tablename, policyname) FROM (
         SELECT tablename, policyname, cmd, qual, with_check FROM pg_policies WHERE schemaname = 'public') x),
      'rls', (SELECT json_agg(x ORDER BY relname) FROM (
         SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class
          WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' AND relname <> 'schema_migrations') x),
      'grants', (SELECT json_agg(x ORDER BY table_name, privilege_type) FROM (
         SELECT table_name, privilege_type FROM information_schema.role_table_grants
          WHERE table_schema = 'public' AND grantee = 'platform_app') x),
      'functions', (SELECT json_agg(proname ORDER BY proname) FROM pg_proc WHERE pronamespace = 'public'::regnamespace),
      'types', (SELECT json_agg(typname ORDER BY typname) FROM pg_type WHERE typnamespace = 'public'::regnamespace AND typtype = 'e')
    ) AS snapshot`);
  return rows[0].snapshot;
}
