import pg from 'pg';
import { DEMO_PASSWORD } from '@platform/demo-data';
import { graphql, login, startPlatform, type RunningPlatform } from '@platform/testing';
import { measure, report, type Result } from './measure';

const PAGE = `query WorksPage { works(first: 100) { totalCount edges { node { id title iswc writers { share songwriter { name } } } } } }`;
const CREATE = `mutation CreateWork($t: String!) { createWork(input: { title: $t }) { id } }`;

/**
 * What the platform's monitoring costs a request: a page of 100 works and a createWork through
 * the gateway, with everything on (Prometheus metrics, usage analytics, security events, the
 * audit entry and outbox event of the mutation), against the same requests with all of it off
 * (request monitoring off in the services; audit and outbox inserts skipped by a trigger in
 * this bench's database). Off and on alternate, on the same data.
 */
export async function monitoringCost(apiUrl: string, adminUrl: string, dataDir: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const ITERATIONS = 300;
  const pages: Result[] = [];
  const mutations: Result[] = [];
  try {
    // Two rounds each, alternating, so that neither side gets only the colder caches.
    for (const [round, on] of [
      [1, false],
      [1, true],
      [2, false],
      [2, true],
    ] as const) {
      await skipAudit(admin, !on);
      // Written as often as in production (specs write ten times as often).
      const platform = await startPlatform({ apiUrl, dataDir, config: { monitoring: on, monitoringFlushMs: 1_000 } });
      try {
        const label = `${on ? 'all on' : 'all off'}, round ${round}`;
        const { page, create } = await requests(platform);
        pages.push(await measure(`100-work page, ${label}`, ITERATIONS, page));
        mutations.push(await measure(`createWork, ${label}`, ITERATIONS, create));
      } finally {
        await platform.stop();
      }
    }
  } finally {
    await skipAudit(admin, false);
    await admin.end();
  }
  report('Monitoring: a page of 100 works through the gateway (ms)', 'ms', pages);
  report('Monitoring: createWork through the gateway (ms)', 'ms', mutations);
}

async function requests(platform: RunningPlatform) {
  const owner = await login(platform.gatewayUrl, 'owner@dmp.demo', DEMO_PASSWORD, 'dmp');
  const call = async (query: string, variables: Record<string, unknown>) => {
    const answer = await graphql(platform.gatewayUrl, query, variables, { token: owner.token });
    if (answer.errors) throw new Error(JSON.stringify(answer.errors));
  };
  return { page: () => call(PAGE, {}), create: (i: number) => call(CREATE, { t: `Monitored ${i}` }) };
}

/** Makes the audit log and the outbox drop every insert (a BEFORE trigger that runs first and returns NULL), or stop doing so. */
async function skipAudit(admin: pg.Client, skip: boolean): Promise<void> {
  await admin.query(`CREATE OR REPLACE FUNCTION bench_skip_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$`);
  for (const table of ['audit_log', 'outbox']) {
    await admin.query(`DROP TRIGGER IF EXISTS aaa_bench_skip ON ${table}`);
    if (skip)
      await admin.query(`CREATE TRIGGER aaa_bench_skip BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION bench_skip_insert()`);
  }
}
