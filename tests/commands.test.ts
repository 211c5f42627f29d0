import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { importJWK, jwtVerify } from 'jose';
import { DEFAULT_TOKEN_SETTINGS, fileKeyRing, signAccessToken, signingKeyFromJwk } from '@platform/auth';
import { runCommand as run } from '@platform/testing';

/** The operator's commands, run as an operator runs them: a process each, configured by the environment. */
/**
 * URLs of a database that does not exist yet on the test cluster, as an operator would write them,
 * with role names of the operator's own (other specs share the cluster's platform_* roles).
 */
function externalDatabase(name: string) {
  const admin = new URL(inject('clusterAdminUrl'));
  const as = (user: string, password: string, database: string) => {
    const url = new URL(admin);
    url.username = user;
    url.password = password;
    url.pathname = `/${database}`;
    return url.toString();
  };
  return {
    DATABASE_ADMIN_URL: admin.toString(),
    DATABASE_OWNER_URL: as('commands_owner', 'owner-secret-1', name),
    DATABASE_URL: as('commands_api', 'api-secret-1', name),
    adminOfDatabase: as(decodeURIComponent(admin.username), decodeURIComponent(admin.password), name),
  };
}

describe('database commands on an external PostgreSQL', () => {
  // Processes of its own (bootstrap, migrate, seed, migrate down and up): slow beside the other specs.
  it('bootstraps, migrates and seeds a new database, and migrates down and up again', { timeout: 180_000 }, async () => {
    const { adminOfDatabase, ...env } = externalDatabase('external_commands');
    const bootstrap = await run('db-bootstrap', [], env);
    expect(bootstrap.stdout).toContain('database external_commands are ready');
    expect((await run('db-migrate', [], env)).code).toBe(0);
    expect((await run('db-seed', [], env)).code).toBe(0);

    const client = new pg.Client({ connectionString: adminOfDatabase });
    await client.connect();
    try {
      const slugs = async () => (await client.query<{ slug: string }>('SELECT slug FROM publishers ORDER BY slug')).rows.map((r) => r.slug);
      expect(await slugs()).toEqual(['dmp', 'sheer', 'songtrust', 'spirit']);
      // Down to the legacy schema (no publishers table) and back: the demo world survives both ways.
      expect((await run('db-migrate', ['2'], env)).code).toBe(0);
      expect((await client.query(`SELECT to_regclass('public.publishers') AS t`)).rows[0].t).toBeNull();
      expect((await run('db-migrate', [], env)).code).toBe(0);
      expect(await slugs()).toEqual(['dmp', 'sheer', 'songtrust', 'spirit']);
      // The services' role of the operator's own name holds the grants, and row-level security
      // shows it nothing without a publisher in scope.
      const services = new pg.Client({ connectionString: env.DATABASE_URL });
      await services.connect();
      try {
        expect((await services.query('SELECT count(*)::int AS n FROM works')).rows[0].n).toBe(0);
        expect((await client.query('SELECT count(*)::int AS n FROM works')).rows[0].n).toBeGreaterThan(0);
      } finally {
        await services.end();
      }

      // pq:publish registers a manifest for one publisher, or for all, as the next version.
      const dir = await mkdtemp(path.join(os.tmpdir(), 'pq-publish-'));
      try {
        const body = 'query CatalogSize { works { totalCount } }';
        const file = path.join(dir, 'manifest.json');
        const manifest = {
          format: 'apollo-persisted-query-manifest',
          version: 1,
          operations: [{ id: 'catalog-size', name: 'CatalogSize', type: 'query', body }],
        };
        await writeFile(file, JSON.stringify(manifest));
        const forSpirit = await run('pq-publish', [file, '--publisher', 'spirit'], env);
        expect(forSpirit.stdout).toContain('version 1: 1 operations (1 added, 0 removed)');
        expect((await run('pq-publish', [file, '--publisher', 'spirit'], env)).stdout).toContain(
          'version 2: 1 operations (0 added, 0 removed)',
        );
        expect((await run('pq-publish', [file, '--global'], env)).stdout).toContain('version 1: 1 operations (1 added, 0 removed)');
        const lists = await client.query(
          `SELECT p.slug, l.version FROM persisted_query_lists l LEFT JOIN publishers p ON p.id = l.publisher_id ORDER BY p.slug NULLS FIRST, l.version`,
        );
        expect(lists.rows).toEqual([
          { slug: null, version: 1 },
          { slug: 'spirit', version: 1 },
          { slug: 'spirit', version: 2 },
        ]);
        await writeFile(file, JSON.stringify({ ...manifest, operations: [{ ...manifest.operations[0], name: 'Other' }] }));
        const refused = await run('pq-publish', [file, '--publisher', 'spirit'], env);
        expect(refused.code).toBe(1);
        expect(refused.stderr.trim()).toBe("failed: operations[0] (Other): the body's operation is not named Other");
        expect((await run('pq-publish', [file, '--publisher', 'nobody'], env)).stderr.trim()).toBe('failed: No publisher "nobody"');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    } finally {
      await client.end();
    }
  });

  it('says which variables are missing instead of failing with a stack trace', async () => {
    const result = await run('db-bootstrap', [], { DATABASE_ADMIN_URL: '', DATABASE_OWNER_URL: '', DATABASE_URL: '' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('failed: set DATABASE_ADMIN_URL, DATABASE_OWNER_URL and DATABASE_URL (see README, "Configuration")');
  });
});

describe('signing key commands', () => {
  it('keys:generate prints a private key that signs tokens its public half verifies', async () => {
    const { code, stdout } = await run('keys-generate');
    expect(code).toBe(0);
    const jwk = JSON.parse(stdout) as { kty: string; crv: string; d: string; kid: string };
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', d: expect.any(String), kid: expect.any(String) });
    const key = await signingKeyFromJwk(jwk);
    const { token } = await signAccessToken(key, DEFAULT_TOKEN_SETTINGS, {
      userId: crypto.randomUUID(),
      publisherId: crypto.randomUUID(),
      sessionId: crypto.randomUUID(),
    });
    const { payload } = await jwtVerify(token, await importJWK(key.publicJwk, 'ES256'), DEFAULT_TOKEN_SETTINGS);
    expect(payload.iss).toBe(DEFAULT_TOKEN_SETTINGS.issuer);
  });

  it('keys:rotate makes a new key sign while the old one still verifies', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'keys-rotate-'));
    try {
      const before = await fileKeyRing(dataDir).current();
      const { code, stdout } = await run('keys-rotate', [], { DATA_DIR: dataDir });
      expect(code).toBe(0);
      const ring = JSON.parse(await readFile(path.join(dataDir, 'keys', 'keyring.json'), 'utf8')) as unknown;
      const after = await fileKeyRing(dataDir).current();
      expect(after.kid).not.toBe(before.kid);
      expect(stdout).toContain(`signing key ${after.kid} now signs; ${before.kid} keeps verifying`);
      expect(JSON.stringify(ring)).toContain(before.kid);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
