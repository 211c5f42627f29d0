import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { migrate, prepareSchema } from '@platform/db/admin';
import { templatesFor } from '@platform/permissions';
import { createPlatformDatabase } from '@platform/testing';

/**
 * The upgrade path from the legacy tenant schema (001/002) to publishers (003) and back, on a
 * generated legacy data set of 150,000 catalog rows across six tenants.
 */

const TENANTS = 6;
const WORKS = 40_000;
const SONGWRITERS = 10_000;
const RECORDINGS = 20_000;
const WRITERS_PER_TENANT = Math.floor(SONGWRITERS / TENANTS);

/** Every legacy table, its key, and its legacy columns (tenant_id is publisher_id after 003). */
const LEGACY_TABLES = {
  tenants: { key: 'id', columns: ['id', 'slug', 'name', 'created_at'] },
  songwriters: { key: 'id', columns: ['id', 'tenant_id', 'name', 'ipi', 'created_at'] },
  works: { key: 'id', columns: ['id', 'tenant_id', 'title', 'iswc', 'created_at'] },
  recordings: { key: 'id', columns: ['id', 'tenant_id', 'title', 'isrc', 'duration_seconds', 'created_at'] },
  work_writers: { key: "work_id || '/' || songwriter_id", columns: ['work_id', 'songwriter_id', 'tenant_id', 'share'] },
  work_recordings: { key: "work_id || '/' || recording_id", columns: ['work_id', 'recording_id', 'tenant_id'] },
} as const;

type Checksums = Record<string, Map<string, string>>;

let urls: { ownerUrl: string; adminUrl: string; apiUrl: string };
let admin: pg.Client;
const progress: string[] = [];

beforeAll(async () => {
  urls = await createPlatformDatabase(inject('clusterAdminUrl'), 'legacy_upgrade');
  await migrate({ ownerUrl: urls.ownerUrl, target: '2', log: () => {} });
  admin = new pg.Client({ connectionString: urls.adminUrl });
  await admin.connect();
  await loadLegacyData(admin);
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
    legacyData = await checksums(admin, 'tenant_id', 'tenants');
  });

  it('keeps every row and every legacy value, with publishers taking the tenant ids', async () => {
    const started = performance.now();
    const result = await migrate({ ownerUrl: urls.ownerUrl, target: '3', log: (line) => progress.push(line) });
    const seconds = (performance.now() - started) / 1000;
    console.log(`003_publisher_architecture on ${rowCount(legacyData).toLocaleString('en')} rows: ${seconds.toFixed(2)} s`);
    expect(result).toMatchObject({ from: 2, to: 3 });

    const migrated = await checksums(admin, 'publisher_id', 'publishers');
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
    const restored = await checksums(admin, 'tenant_id', 'tenants');
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

async function loadLegacyData(client: pg.Client): Promise<void> {
  await client.query('SELECT setseed(0.42)');
  await client.query(`INSERT INTO tenants (id, slug, name, created_at)
    SELECT gen_random_uuid(), 'tenant-' || n, 'Legacy Tenant ' || n, now() - n * interval '30 days' FROM generate_series(1, ${TENANTS}) n`);
  // Rows are spread over the tenants by number, so each link can stay inside one tenant.
  await client.query(`CREATE TEMP TABLE t AS SELECT row_number() OVER (ORDER BY id) - 1 AS k, id FROM tenants`);
  await client.query(`INSERT INTO songwriters (id, tenant_id, name, ipi, created_at)
    SELECT gen_random_uuid(), t.id, 'Writer ' || n, CASE WHEN n % 3 = 0 THEN NULL ELSE lpad(n::text, 11, '0') END, now() - random() * interval '900 days'
      FROM generate_series(0, ${SONGWRITERS - 1}) n JOIN t ON t.k = n % ${TENANTS}`);
  await client.query(`INSERT INTO works (id, tenant_id, title, iswc, created_at)
    SELECT gen_random_uuid(), t.id, 'Work ' || n || CASE WHEN n % 7 = 0 THEN ' — ünïcødé' ELSE '' END,
           CASE WHEN n % 4 = 0 THEN NULL ELSE 'T-' || lpad(n::text, 9, '0') END, now() - random() * interval '900 days'
      FROM generate_series(0, ${WORKS - 1}) n JOIN t ON t.k = n % ${TENANTS}`);
  await client.query(`INSERT INTO recordings (id, tenant_id, title, isrc, duration_seconds, created_at)
    SELECT gen_random_uuid(), t.id, 'Recording ' || n, 'QZLEG' || lpad(n::text, 7, '0'), CASE WHEN n % 5 = 0 THEN NULL ELSE 90 + n % 300 END, now()
      FROM generate_series(0, ${RECORDINGS - 1}) n JOIN t ON t.k = n % ${TENANTS}`);
  await client.query(`CREATE TEMP TABLE ranked AS
    SELECT 'w' AS kind, id, tenant_id, row_number() OVER (PARTITION BY tenant_id ORDER BY id) AS r FROM works
    UNION ALL SELECT 's', id, tenant_id, row_number() OVER (PARTITION BY tenant_id ORDER BY id) FROM songwriters
    UNION ALL SELECT 'r', id, tenant_id, row_number() OVER (PARTITION BY tenant_id ORDER BY id) FROM recordings`);
  // Without statistics the planner nests loops over 70,000 × 70,000 rows.
  await client.query('CREATE INDEX ON ranked (kind, tenant_id, r)');
  await client.query('ANALYZE ranked');
  // One or two writers per work (60,000 links) and one recording for every second work.
  await client.query(`INSERT INTO work_writers (work_id, songwriter_id, tenant_id, share)
    SELECT w.id, s.id, w.tenant_id, CASE WHEN w.r % 2 = 0 THEN 50 ELSE 100 END
      FROM ranked w JOIN ranked s ON s.kind = 's' AND s.tenant_id = w.tenant_id AND s.r = (w.r % ${WRITERS_PER_TENANT}) + 1
     WHERE w.kind = 'w'
    UNION ALL
    SELECT w.id, s.id, w.tenant_id, 50
      FROM ranked w JOIN ranked s ON s.kind = 's' AND s.tenant_id = w.tenant_id AND s.r = ((w.r + 7) % ${WRITERS_PER_TENANT}) + 1
     WHERE w.kind = 'w' AND w.r % 2 = 0`);
  await client.query(`INSERT INTO work_recordings (work_id, recording_id, tenant_id)
    SELECT w.id, r.id, w.tenant_id FROM ranked w JOIN ranked r ON r.kind = 'r' AND r.tenant_id = w.tenant_id AND r.r = w.r
     WHERE w.kind = 'w'`);
  await client.query('DROP TABLE ranked, t');
}

/** A checksum of every legacy column of every row, keyed by the row's legacy key. */
async function checksums(client: pg.Client, tenantColumn: string, tenantTable: string): Promise<Checksums> {
  const result: Checksums = {};
  for (const [table, spec] of Object.entries(LEGACY_TABLES)) {
    const columns = spec.columns.map((c) => (c === 'tenant_id' ? `${tenantColumn}` : c)).join(', ');
    const name = table === 'tenants' ? tenantTable : table;
    const { rows } = await client.query<{ key: string; sum: string }>(
      `SELECT ${spec.key} AS key, md5(row(${columns})::text) AS sum FROM ${name}`,
    );
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
