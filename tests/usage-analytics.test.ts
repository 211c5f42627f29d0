import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { DEMO_PASSWORD, demoId } from '@platform/demo-data';
import { LATENCY_BOUNDS_MS } from '@platform/gateway';
import { codesOf, graphql, login, startOwnPlatform, type OwnPlatform, type Session } from '@platform/testing';

/**
 * Usage analytics: the gateway counts every call per publisher, day, caller and operation,
 * writes the counts in batches, `usage` reports them with percentiles, and the plan's monthly
 * API-call limit holds partner calls to them.
 */

let platform: OwnPlatform;
let admin: pg.Client;
let gateway: string;
let dmpOwner: Session;
let songtrustOwner: Session;

beforeAll(async () => {
  platform = await startOwnPlatform(inject('clusterAdminUrl'), 'usage_spec');
  gateway = platform.a.gatewayUrl;
  admin = platform.admin;
  [dmpOwner, songtrustOwner] = await Promise.all([
    login(gateway, 'owner@dmp.demo', DEMO_PASSWORD),
    login(gateway, 'owner@songtrust.demo', DEMO_PASSWORD),
  ]);
});

afterAll(async () => {
  await platform?.stop();
});

const USAGE = `query($groupBy: [UsageGrouping!]!, $from: DateTime, $to: DateTime) {
  usage(groupBy: $groupBy, from: $from, to: $to) {
    from to groupBy truncated
    totals { calls errors }
    rows { day callerKind partnerClientId partnerClientName operation calls errors errorRate averageMs p50Ms p95Ms p99Ms maxMs }
  }
}`;

interface Row {
  day: string | null;
  callerKind: string | null;
  partnerClientName: string | null;
  operation: string | null;
  calls: number;
  errors: number;
  errorRate: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

async function usage(session: Session, groupBy: string[]): Promise<{ totals: { calls: number }; rows: Row[] }> {
  const answer = await graphql(gateway, USAGE, { groupBy }, { token: session.token });
  if (answer.errors) throw new Error(JSON.stringify(answer.errors));
  return answer.data.usage;
}

async function partnerKey(session: Session, name: string): Promise<string> {
  const created = await graphql(
    gateway,
    `
      mutation ($name: String!) {
        createPartnerClient(input: { name: $name, permissions: ["work:read"], mode: AUDIT }) {
          apiKey
        }
      }
    `,
    { name },
    { token: session.token },
  );
  if (created.errors) throw new Error(JSON.stringify(created.errors));
  return created.data.createPartnerClient.apiKey;
}

/** A partner's call in AUDIT mode (its text is let through and counted). */
function partnerCall(key: string, query = 'query PartnerWorks { works(first: 5) { totalCount } }') {
  return fetch(gateway, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({ query, operationName: 'PartnerWorks' }),
  });
}

describe('usage analytics', () => {
  it("counts each caller's calls per operation, with errors and percentiles, in its own publisher only", async () => {
    const key = await partnerKey(dmpOwner, 'Usage counter');
    for (let i = 0; i < 5; i++)
      expect(
        (
          await graphql(
            gateway,
            `
              query UsagePage {
                works(first: 100) {
                  totalCount
                }
              }
            `,
            {},
            { token: dmpOwner.token },
          )
        ).errors,
      ).toBeUndefined();
    for (let i = 0; i < 2; i++) {
      const failed = await graphql(
        gateway,
        `
          mutation UsageMiss($id: ID!) {
            deleteWork(id: $id)
          }
        `,
        { id: demoId('work:nowhere:1') },
        { token: dmpOwner.token },
      );
      expect(codesOf(failed)).toEqual(['NOT_FOUND']);
    }
    for (let i = 0; i < 3; i++) expect((await partnerCall(key)).status).toBe(200);

    const expected = [
      { callerKind: 'PARTNER_CLIENT', partnerClientName: 'Usage counter', operation: 'unlisted:PartnerWorks', calls: 3, errors: 0 },
      { callerKind: 'PEOPLE', partnerClientName: null, operation: 'UsageMiss', calls: 2, errors: 2 },
      { callerKind: 'PEOPLE', partnerClientName: null, operation: 'UsagePage', calls: 5, errors: 0 },
    ];
    const pick = (rows: Row[]) =>
      rows
        .filter((r) => ['UsagePage', 'UsageMiss', 'unlisted:PartnerWorks'].includes(r.operation!))
        .map(({ callerKind, partnerClientName, operation, calls, errors }) => ({ callerKind, partnerClientName, operation, calls, errors }))
        .sort((a, b) => a.operation!.localeCompare(b.operation!));
    await expect
      .poll(async () => pick((await usage(dmpOwner, ['CALLER', 'OPERATION'])).rows), { timeout: 10_000 })
      .toEqual(expected.sort((a, b) => a.operation.localeCompare(b.operation)));

    const report = await usage(dmpOwner, ['CALLER', 'OPERATION']);
    const page = report.rows.find((r) => r.operation === 'UsagePage')!;
    expect(page.p50Ms).toBeGreaterThan(0);
    expect(page.p50Ms).toBeLessThanOrEqual(page.p95Ms);
    expect(page.p95Ms).toBeLessThanOrEqual(page.p99Ms);
    expect(page.p99Ms).toBeLessThanOrEqual(page.maxMs);
    expect(report.rows.find((r) => r.operation === 'UsageMiss')!.errorRate).toBe(1);

    // By day: today's row holds them all; totals add up the groups.
    const byDay = await usage(dmpOwner, ['DAY']);
    expect(byDay.rows.map((r) => r.day)).toEqual([new Date().toISOString().slice(0, 10)]);
    expect(byDay.totals.calls).toBe(byDay.rows[0]!.calls);
    // Songtrust sees none of Downtown's calls.
    const theirs = await usage(songtrustOwner, ['OPERATION']);
    expect(theirs.rows.map((r) => r.operation)).not.toEqual(expect.arrayContaining(['UsagePage']));
  });

  it('holds partner calls to the plan’s monthly limit, and never cuts off people', async () => {
    await admin.query(`UPDATE plans SET api_calls_per_month = 3 WHERE key = 'platform'`);
    const key = await partnerKey(songtrustOwner, 'Limited');
    // Calls go through until the counted calls reach the limit (counts are read every few seconds).
    await expect.poll(async () => (await partnerCall(key)).status, { timeout: 20_000, interval: 500 }).toBe(429);
    const refused = await partnerCall(key);
    const body = (await refused.json()) as { errors: { extensions: Record<string, unknown> }[] };
    expect(body.errors[0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', reason: 'API_CALL_LIMIT_REACHED' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // The owner's own app keeps working, and sees what was used.
    const account = await graphql(
      gateway,
      `
        {
          account {
            usage {
              apiCallsThisMonth
              apiCallsPerMonthLimit
            }
          }
        }
      `,
      {},
      { token: songtrustOwner.token },
    );
    expect(account.data.account.usage.apiCallsPerMonthLimit).toBe(3);
    expect(account.data.account.usage.apiCallsThisMonth).toBeGreaterThanOrEqual(3);
  });

  it('is for holders of usage:read, over a period it can read', async () => {
    const viewer = await login(gateway, 'viewer@dmp.demo', DEMO_PASSWORD);
    expect(codesOf(await graphql(gateway, USAGE, { groupBy: ['DAY'] }, { token: viewer.token }))).toEqual(['FORBIDDEN']);
    const tooLong = await graphql(
      gateway,
      USAGE,
      { groupBy: ['DAY'], from: '2024-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' },
      { token: dmpOwner.token },
    );
    expect(codesOf(tooLong)).toEqual(['BAD_USER_INPUT']);
  });

  it("buckets latencies as the database's histogram bounds say", async () => {
    const { rows } = await admin.query(`SELECT app_usage_latency_bounds() AS bounds`);
    expect(rows[0].bounds.map(Number)).toEqual([...LATENCY_BOUNDS_MS]);
  });
});
