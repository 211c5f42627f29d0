import pg from 'pg';
import { DEMO_PASSWORD } from '@platform/demo-data';
import { graphql, login, type RunningPlatform } from '@platform/testing';
import { measure, report, type Result } from './measure';

/**
 * What the audit log's hash chain costs a mutation: createWork through the gateway with the
 * chain's trigger as migrated, against the same run with a trigger that only numbers entries (no
 * lock, no hash). Alone, and eight at a time in one publisher, where the chain's lock per
 * publisher orders the writers.
 */
export async function auditChainCost(platform: RunningPlatform, adminUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const owner = await login(platform.gatewayUrl, 'owner@spirit.demo', DEMO_PASSWORD, 'spirit');
  const create = async (i: number) => {
    const answer = await graphql(
      platform.gatewayUrl,
      'mutation($t: String!) { createWork(input: { title: $t }) { id } }',
      { t: `Bench ${i}` },
      { token: owner.token },
    );
    if (answer.errors) throw new Error(JSON.stringify(answer.errors));
  };
  const chained = (await admin.query(`SELECT pg_get_functiondef('app_audit_chain'::regproc) AS def`)).rows[0].def as string;
  const unchained = `CREATE OR REPLACE FUNCTION app_audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN NEW.seq := (random() * 9e15)::bigint; NEW.hash := '\\x00'; RETURN NEW; END $$`;
  const ITERATIONS = 300;
  const PARALLEL = 8;
  const results: Result[] = [];
  const parallelResults: Result[] = [];
  try {
    for (const [name, definition] of [
      ['chain off (numbered only)', unchained],
      ['chain on (lock + SHA-256)', chained],
    ] as const) {
      await admin.query(definition);
      results.push(await measure(`createWork, one at a time, ${name}`, ITERATIONS, create));
      // Eight writers: each sample is one round of eight mutations at once, divided by eight.
      parallelResults.push(
        await measure(`createWork, ${PARALLEL} at once, ${name}`, ITERATIONS / PARALLEL, (round) =>
          Promise.all(Array.from({ length: PARALLEL }, (_, i) => create(round * PARALLEL + i))),
        ),
      );
    }
  } finally {
    await admin.query(chained);
    await admin.end();
  }
  report('Audit chain: a mutation through the gateway (ms)', 'ms', results);
  report(`Audit chain: ${PARALLEL} mutations at once in one publisher (ms per mutation)`, 'ms', parallelResults, PARALLEL);
}
