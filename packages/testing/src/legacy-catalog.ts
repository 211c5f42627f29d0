import type pg from 'pg';

/**
 * A legacy (migrations 001–002) tenant catalog of any size, for the tenant → publisher migration:
 * the spec loads 150,000 rows, the bench a million.
 */
export interface LegacyCatalogSize {
  tenants: number;
  songwriters: number;
  works: number;
  recordings: number;
}

/** Every legacy table, its key, and its legacy columns (tenant_id is publisher_id after 003). */
export const LEGACY_TABLES = {
  tenants: { key: 'id', columns: ['id', 'slug', 'name', 'created_at'] },
  songwriters: { key: 'id', columns: ['id', 'tenant_id', 'name', 'ipi', 'created_at'] },
  works: { key: 'id', columns: ['id', 'tenant_id', 'title', 'iswc', 'created_at'] },
  recordings: { key: 'id', columns: ['id', 'tenant_id', 'title', 'isrc', 'duration_seconds', 'created_at'] },
  work_writers: { key: "work_id || '/' || songwriter_id", columns: ['work_id', 'songwriter_id', 'tenant_id', 'share'] },
  work_recordings: { key: "work_id || '/' || recording_id", columns: ['work_id', 'recording_id', 'tenant_id'] },
} as const;

export type LegacyTable = keyof typeof LEGACY_TABLES;

/**
 * The statement that gives every row of a legacy table as (key, md5 of its legacy columns), read
 * before 003 (`tenant_id`, `tenants`) or after it (`publisher_id`, `publishers`).
 */
export function legacyChecksumQuery(table: LegacyTable, migrated: boolean): string {
  const spec = LEGACY_TABLES[table];
  const columns = spec.columns.map((c) => (c === 'tenant_id' && migrated ? 'publisher_id' : c)).join(', ');
  const name = table === 'tenants' && migrated ? 'publishers' : table;
  return `SELECT ${spec.key} AS key, md5(row(${columns})::text) AS sum FROM ${name}`;
}

/**
 * Loads the catalog: songwriters, works and recordings spread over the tenants by number, one or
 * two writers per work (every second work has two) and one recording for each of a tenant's
 * first works, every link inside its tenant. Repeatable: the random parts are seeded.
 */
export async function loadLegacyCatalog(
  client: pg.Client,
  size: LegacyCatalogSize,
  progress: (line: string) => void = () => {},
): Promise<void> {
  const writersPerTenant = Math.floor(size.songwriters / size.tenants);
  const step = async (what: string, sql: string) => {
    const started = performance.now();
    const { rowCount } = await client.query(sql);
    progress(`  ${what}: ${(rowCount ?? 0).toLocaleString('en')} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  };
  await client.query('SELECT setseed(0.42)');
  await step(
    'tenants',
    `INSERT INTO tenants (id, slug, name, created_at)
     SELECT gen_random_uuid(), 'tenant-' || n, 'Legacy Tenant ' || n, now() - n * interval '30 days' FROM generate_series(1, ${size.tenants}) n`,
  );
  await client.query(`CREATE TEMP TABLE t AS SELECT row_number() OVER (ORDER BY id) - 1 AS k, id FROM tenants`);
  await step(
    'songwriters',
    `INSERT INTO songwriters (id, tenant_id, name, ipi, created_at)
     SELECT gen_random_uuid(), t.id, 'Writer ' || n, CASE WHEN n % 3 = 0 THEN NULL ELSE lpad(n::text, 11, '0') END, now() - random() * interval '900 days'
       FROM generate_series(0, ${size.songwriters - 1}) n JOIN t ON t.k = n % ${size.tenants}`,
  );
  await step(
    'works',
    `INSERT INTO works (id, tenant_id, title, iswc, created_at)
     SELECT gen_random_uuid(), t.id, 'Work ' || n || CASE WHEN n % 7 = 0 THEN ' — ünïcødé' ELSE '' END,
            CASE WHEN n % 4 = 0 THEN NULL ELSE 'T-' || lpad(n::text, 9, '0') END, now() - random() * interval '900 days'
       FROM generate_series(0, ${size.works - 1}) n JOIN t ON t.k = n % ${size.tenants}`,
  );
  await step(
    'recordings',
    `INSERT INTO recordings (id, tenant_id, title, isrc, duration_seconds, created_at)
     SELECT gen_random_uuid(), t.id, 'Recording ' || n, 'QZLEG' || lpad(n::text, 7, '0'), CASE WHEN n % 5 = 0 THEN NULL ELSE 90 + n % 300 END, now()
       FROM generate_series(0, ${size.recordings - 1}) n JOIN t ON t.k = n % ${size.tenants}`,
  );
  await client.query(`CREATE TEMP TABLE ranked AS
    SELECT 'w' AS kind, id, tenant_id, row_number() OVER (PARTITION BY tenant_id ORDER BY id) AS r FROM works
    UNION ALL SELECT 's', id, tenant_id, row_number() OVER (PARTITION BY tenant_id ORDER BY id) FROM songwriters
    UNION ALL SELECT 'r', id, tenant_id, row_number() OVER (PARTITION BY tenant_id ORDER BY id) FROM recordings`);
  // Without statistics the planner nests loops over every row of ranked twice.
  await client.query('CREATE INDEX ON ranked (kind, tenant_id, r)');
  await client.query('ANALYZE ranked');
  await step(
    'work_writers',
    `INSERT INTO work_writers (work_id, songwriter_id, tenant_id, share)
     SELECT w.id, s.id, w.tenant_id, CASE WHEN w.r % 2 = 0 THEN 50 ELSE 100 END
       FROM ranked w JOIN ranked s ON s.kind = 's' AND s.tenant_id = w.tenant_id AND s.r = (w.r % ${writersPerTenant}) + 1
      WHERE w.kind = 'w'
     UNION ALL
     SELECT w.id, s.id, w.tenant_id, 50
       FROM ranked w JOIN ranked s ON s.kind = 's' AND s.tenant_id = w.tenant_id AND s.r = ((w.r + 7) % ${writersPerTenant}) + 1
      WHERE w.kind = 'w' AND w.r % 2 = 0`,
  );
  await step(
    'work_recordings',
    `INSERT INTO work_recordings (work_id, recording_id, tenant_id)
     SELECT w.id, r.id, w.tenant_id FROM ranked w JOIN ranked r ON r.kind = 'r' AND r.tenant_id = w.tenant_id AND r.r = w.r
      WHERE w.kind = 'w'`,
  );
  await client.query('DROP TABLE ranked, t');
}
