import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CLIENT_WORK_COUNT, DEMO_PASSWORD, DEMO_PUBLISHERS } from '@platform/demo-data';
import {
  createDemoDatabase,
  graphql,
  login,
  startPgBouncer,
  startPlatform,
  type PgBouncer,
  type RunningPlatform,
  type Session,
} from '@platform/testing';

/**
 * The platform behind a real PgBouncer in transaction mode (docs/scaling.md): three server
 * connections shared by every service's pool, so consecutive transactions of one request, and
 * transactions of different publishers, land on whichever connection is free. A row-level-security
 * setting that outlived its transaction would show here as one publisher's rows in another's
 * answer; every answer is checked against its caller.
 */
const SERVER_CONNECTIONS = 3;
let bouncer: PgBouncer;
let platform: RunningPlatform;
let admin: pg.Client;
let dataDir: string;
let database: string;

beforeAll(async () => {
  const urls = await createDemoDatabase(inject('clusterAdminUrl'), 'pgbouncer_spec');
  database = new URL(urls.apiUrl).pathname.slice(1);
  const api = new URL(urls.apiUrl);
  bouncer = await startPgBouncer({
    serverUrl: urls.apiUrl,
    database,
    users: { [decodeURIComponent(api.username)]: decodeURIComponent(api.password) },
    poolSize: SERVER_CONNECTIONS,
  });
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'platform-pgbouncer-spec-'));
  platform = await startPlatform({ apiUrl: bouncer.through(urls.apiUrl), dataDir });
  admin = new pg.Client({ connectionString: urls.adminUrl });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await platform?.stop();
  await bouncer?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const PAGE = `{ me { id } works(first: 25) { totalCount edges { node { id writers { songwriter { id } } } } } }`;

interface Caller {
  name: string;
  session: Session;
  /** The works this caller may see, and how many. */
  visible: Set<string>;
  total: number;
}

async function callerFor(email: string, visibleSql: string, values: unknown[]): Promise<Caller> {
  const ids = (await admin.query<{ id: string }>(visibleSql, values)).rows.map((r) => r.id);
  return { name: email, session: await login(platform.gatewayUrl, email, DEMO_PASSWORD), visible: new Set(ids), total: ids.length };
}

describe('behind PgBouncer in transaction mode', () => {
  it('keeps every request to its own publisher while all publishers share three server connections', { timeout: 120_000 }, async () => {
    const callers: Caller[] = [];
    for (const { slug } of DEMO_PUBLISHERS) {
      callers.push(
        await callerFor(`owner@${slug}.demo`, `SELECT w.id FROM works w JOIN publishers p ON p.id = w.publisher_id WHERE p.slug = $1`, [
          slug,
        ]),
      );
    }
    // A platform's client, restricted to their own works by a policy that reads the user too.
    callers.push(
      await callerFor(
        'client@songtrust.demo',
        `SELECT DISTINCT ww.work_id AS id FROM work_writers ww JOIN user_publishers m ON m.publisher_id = ww.publisher_id AND m.songwriter_id = ww.songwriter_id
           JOIN users u ON u.id = m.user_id WHERE u.email = 'client@songtrust.demo'`,
        [],
      ),
    );
    expect(callers.at(-1)!.total).toBe(CLIENT_WORK_COUNT);

    const REQUESTS = 300;
    const CONCURRENCY = 30;
    let answered = 0;
    let worksChecked = 0;
    let writes = 0;
    const sheer = callers.find((c) => c.name === 'owner@sheer.demo')!;
    const next = async (i: number) => {
      const caller = callers[i % callers.length]!;
      // Writes interleaved with the reads: a write transaction on a shared connection too.
      if (caller === sheer && i % 3 === 0) {
        const created = await graphql(
          platform.gatewayUrl,
          `mutation { createWork(input: { title: "Pooled ${i}" }) { id } }`,
          {},
          { token: caller.session.token },
        );
        expect(created.errors).toBeUndefined();
        caller.visible.add(created.data.createWork.id);
        writes += 1;
        return;
      }
      const answer = await graphql(platform.gatewayUrl, PAGE, {}, { token: caller.session.token });
      expect(answer.errors, caller.name).toBeUndefined();
      expect(answer.data.me.id).toBe(caller.session.userId);
      for (const { node } of answer.data.works.edges) expect(caller.visible.has(node.id), `${caller.name} saw ${node.id}`).toBe(true);
      if (caller !== sheer) expect(answer.data.works.totalCount).toBe(caller.total);
      worksChecked += answer.data.works.edges.length;
      answered += 1;
    };
    let i = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (i < REQUESTS) await next(i++);
      }),
    );
    const servers = await admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND usename = $2`,
      [database, 'platform_api'],
    );
    console.log(
      `through PgBouncer (transaction mode, ${SERVER_CONNECTIONS} server connections): ${answered} reads and ${writes} writes by ${callers.length} callers, ` +
        `${CONCURRENCY} at a time; ${worksChecked} works checked against their caller; ${servers.rows[0]!.n} server connections in use`,
    );
    expect(answered + writes).toBe(REQUESTS);
    expect(servers.rows[0]!.n).toBeLessThanOrEqual(SERVER_CONNECTIONS);
  });
});
