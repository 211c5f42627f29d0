import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { DEMO_PASSWORD, demoId } from '@platform/demo-data';
import { codesOf, graphql, LOGIN, login, startOwnPlatform, type OwnPlatform, type Session } from '@platform/testing';

/**
 * Security monitoring: events reported by every service land, per publisher, in
 * securityOverview and the audit log; rules raise one alert per window into the outbox; probes of
 * other publishers' ids are counted without the caller learning anything.
 */

let platform: OwnPlatform;
let admin: pg.Client;
let gateway: string;
let dmpOwner: Session;
let songtrustOwner: Session;
const DMP = demoId('publisher:dmp');
const SHEER = demoId('publisher:sheer');
const SONGTRUST = demoId('publisher:songtrust');

beforeAll(async () => {
  platform = await startOwnPlatform(inject('clusterAdminUrl'), 'security_spec');
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

const OVERVIEW = `query($from: DateTime, $to: DateTime, $kind: String) {
  securityOverview(from: $from, to: $to) {
    from to
    counts { kind occurrences }
    alerts { kind severity threshold windowSeconds observed }
    alertRules { kind threshold windowSeconds ownRule }
    recentEvents(first: 100, kind: $kind) { kind occurrences user { email } partnerClientId clientIp requestId details { name value } }
  }
}`;

interface Overview {
  counts: { kind: string; occurrences: number }[];
  alerts: { kind: string; severity: string; observed: number }[];
  recentEvents: {
    kind: string;
    occurrences: number;
    user: { email: string } | null;
    requestId: string | null;
    details: { name: string; value: string }[];
  }[];
}

async function overview(session: Session, variables: Record<string, unknown> = {}): Promise<Overview> {
  const answer = await graphql(gateway, OVERVIEW, variables, { token: session.token });
  if (answer.errors) throw new Error(JSON.stringify(answer.errors));
  return answer.data.securityOverview;
}

const countOf = (o: Overview, kind: string) => o.counts.find((c) => c.kind === kind)?.occurrences ?? 0;

function attempt(email: string, password: string, address: string) {
  return graphql(gateway, LOGIN, { input: { email, password } }, { headers: { 'x-forwarded-for': address } });
}

describe('security monitoring', () => {
  it('counts a brute-force burst in every publisher of the person, and raises one alert per rule, delivered through the outbox', async () => {
    // admin@downtown.demo administers dmp and sheer through an account role.
    // One after the other, so that the lockout's count is exact (concurrent alerts: next spec).
    for (let i = 0; i < 16; i++) {
      expect(codesOf(await attempt('admin@downtown.demo', `wrong-${i}`, `198.51.100.${10 + i}`))).toEqual(['UNAUTHENTICATED']);
    }
    const sheerAdmin = await login(gateway, 'owner@sheer.demo', DEMO_PASSWORD);

    await expect.poll(async () => countOf(await overview(dmpOwner), 'login.locked_out'), { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    for (const session of [dmpOwner, sheerAdmin]) {
      const seen = await overview(session);
      // Five wrong passwords lock the email; every later attempt is refused as locked out.
      expect(countOf(seen, 'login.failed')).toBe(5);
      expect(countOf(seen, 'login.locked_out')).toBe(11);
      expect(seen.alerts.map((a) => a.kind)).toEqual(['login.locked_out']);
      expect(seen.alerts[0]).toMatchObject({ severity: 'HIGH', observed: expect.any(Number) });
      const failed = seen.recentEvents.find((e) => e.kind === 'login.failed')!;
      // The person concerned is named; the attempted password never is.
      expect(failed.user?.email).toBe('admin@downtown.demo');
      expect(JSON.stringify(seen.recentEvents)).not.toContain('wrong-');
    }
    // Songtrust has nothing to do with it.
    expect(countOf(await overview(songtrustOwner), 'login.locked_out')).toBe(0);

    const { rows: alerts } = await admin.query(
      `SELECT publisher_id, payload FROM outbox WHERE event_type = 'security.alert_raised' ORDER BY publisher_id`,
    );
    expect(alerts.map((a) => a.publisher_id).sort()).toEqual([DMP, SHEER].sort());
    expect(alerts[0].payload).toMatchObject({ kind: 'login.locked_out', severity: 'HIGH', threshold: 3, windowSeconds: 900 });

    // In the audit log, a failed sign-in is an anonymous caller's, about the person.
    const { rows: audited } = await admin.query(
      `SELECT actor_type, actor_user_id, data->>'userId' AS subject FROM audit_log WHERE publisher_id = $1 AND action = 'security.login.failed'`,
      [SHEER],
    );
    expect(audited).toHaveLength(5);
    expect(audited[0]).toEqual({ actor_type: 'ANONYMOUS', actor_user_id: null, subject: demoId('user:admin@downtown.demo') });
  });

  it('raises one alert when concurrent batches reach a threshold together', async () => {
    // Eight services writing at once, each with enough events alone: the rule's lock lets one raise.
    const batch = JSON.stringify(
      Array.from({ length: 5 }, (_, i) => ({
        kind: 'partner_key.misused',
        publisher_id: SONGTRUST,
        data: { reason: `race-${i}` },
        occurrences: 4,
      })),
    );
    const clients = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const client = new pg.Client({ connectionString: platform.urls.apiUrl });
        await client.connect();
        return client;
      }),
    );
    try {
      // Each holds its transaction open a moment after writing: the batches truly overlap.
      await Promise.all(
        clients.map(async (c) => {
          await c.query('BEGIN');
          await c.query('SELECT * FROM app_record_security_events($1::jsonb)', [batch]);
          await c.query('SELECT pg_sleep(0.2)');
          await c.query('COMMIT');
        }),
      );
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
    const { rows } = await admin.query(
      `SELECT count(*)::int AS n FROM security_alerts WHERE publisher_id = $1 AND kind = 'partner_key.misused'`,
      [SONGTRUST],
    );
    expect(rows[0].n).toBe(1);
  });

  it("counts a NOT_FOUND on another publisher's id as a probe, answered exactly as an unknown id", async () => {
    const update = `mutation($id: ID!) { updateWork(id: $id, input: { title: "Hijacked" }) { id } }`;
    const foreign = await graphql(gateway, update, { id: demoId('work:dmp:0') }, { token: songtrustOwner.token });
    const unknown = await graphql(gateway, update, { id: demoId('work:nowhere:0') }, { token: songtrustOwner.token });
    expect(codesOf(foreign)).toEqual(['NOT_FOUND']);
    expect(foreign.errors?.[0]?.message).toBe(unknown.errors?.[0]?.message);

    await expect.poll(async () => countOf(await overview(songtrustOwner), 'probe.cross_publisher'), { timeout: 10_000 }).toBe(1);
    const [probe] = (await overview(songtrustOwner, { kind: 'probe.cross_publisher' })).recentEvents;
    expect(probe!.details).toContainEqual({ name: 'probedId', value: demoId('work:dmp:0') });
    expect(probe!.requestId).toEqual(expect.any(String));
    // The probed publisher is told nothing of who probed it.
    expect(countOf(await overview(dmpOwner), 'probe.cross_publisher')).toBe(0);
  });

  it('counts denied operations once each, the legacy tenant header, and misused partner keys', async () => {
    const viewer = await login(gateway, 'viewer@dmp.demo', DEMO_PASSWORD);
    const twoDenied = `{ partnerClients { id } directory { bindDn } }`;
    expect(codesOf(await graphql(gateway, twoDenied, {}, { token: viewer.token }))).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    const legacy = await graphql(
      gateway,
      `
        {
          me {
            id
          }
        }
      `,
      {},
      { token: dmpOwner.token, headers: { 'x-tenant-id': DMP } },
    );
    expect(legacy.errors).toBeUndefined();

    const created = await graphql(
      gateway,
      `
        mutation {
          createPartnerClient(input: { name: "Monitored", permissions: ["work:read"] }) {
            apiKey
            client {
              id
            }
          }
        }
      `,
      {},
      { token: dmpOwner.token },
    );
    const { apiKey, client } = created.data.createPartnerClient;
    const wrongSecret = `${apiKey.slice(0, -4)}${apiKey.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    const refused = await fetch(gateway, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': wrongSecret },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(refused.status).toBe(401);

    await expect
      .poll(
        async () => {
          const seen = await overview(dmpOwner);
          return ['operation.denied', 'legacy.tenant_header', 'partner_key.misused'].map((kind) => countOf(seen, kind));
        },
        { timeout: 10_000 },
      )
      .toEqual([1, 1, 1]);
    const seen = await overview(dmpOwner);
    const denied = seen.recentEvents.find((e) => e.kind === 'operation.denied')!;
    expect(denied.user?.email).toBe('viewer@dmp.demo');
    const misuse = (await overview(dmpOwner, { kind: 'partner_key.misused' })).recentEvents[0]!;
    expect(misuse.details).toContainEqual({ name: 'reason', value: 'wrong_secret' });
    expect(JSON.stringify(misuse)).toContain(client.id);
  });

  it('records sign-ins, switches, sign-outs and password changes in the audit log', async () => {
    const session = await login(gateway, 'owner@sheer.demo', DEMO_PASSWORD);
    await graphql(
      gateway,
      `
        mutation {
          logout
        }
      `,
      {},
      { token: session.token },
    );
    await expect
      .poll(
        async () =>
          (
            await admin.query(
              `SELECT action FROM audit_log WHERE publisher_id = $1 AND actor_user_id = $2 AND action LIKE 'security.session.%' ORDER BY seq`,
              [SHEER, demoId('user:owner@sheer.demo')],
            )
          ).rows.map((r) => r.action),
        { timeout: 10_000 },
      )
      .toEqual(expect.arrayContaining(['security.session.signed_in', 'security.session.signed_out']));
  });

  it("shows a publisher its own alert rule in place of the default, and no one else's", async () => {
    await admin.query(
      `INSERT INTO security_alert_rules (publisher_id, kind, threshold, window_seconds, severity) VALUES ($1, 'operation.denied', 7, 600, 'HIGH')`,
      [DMP],
    );
    const ruleOf = async (session: Session) => {
      const answer = await graphql(
        gateway,
        `
          {
            securityOverview {
              alertRules {
                kind
                threshold
                ownRule
              }
            }
          }
        `,
        {},
        { token: session.token },
      );
      return answer.data.securityOverview.alertRules.find((r: { kind: string }) => r.kind === 'operation.denied');
    };
    expect(await ruleOf(dmpOwner)).toEqual({ kind: 'operation.denied', threshold: 7, ownRule: true });
    expect(await ruleOf(songtrustOwner)).toEqual({ kind: 'operation.denied', threshold: 50, ownRule: false });
  });

  it('is for holders of security:read only, over a period it can read', async () => {
    const viewer = await login(gateway, 'viewer@dmp.demo', DEMO_PASSWORD);
    expect(codesOf(await graphql(gateway, OVERVIEW, {}, { token: viewer.token }))).toEqual(['FORBIDDEN']);
    expect(codesOf(await graphql(gateway, OVERVIEW, {}))).toEqual(['UNAUTHENTICATED']);
    const backwards = await graphql(
      gateway,
      OVERVIEW,
      { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' },
      { token: dmpOwner.token },
    );
    expect(codesOf(backwards)).toEqual(['BAD_USER_INPUT']);
    const tooLong = await graphql(
      gateway,
      OVERVIEW,
      { from: '2025-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' },
      { token: dmpOwner.token },
    );
    expect(tooLong.errors?.[0]?.message).toMatch(/at most 90 days/);
  });

  it('counts every kind platform-wide in the metrics of the service that saw it', async () => {
    const text = await (await fetch(platform.a.identityUrl.replace('/graphql', '/metrics'))).text();
    const line = text.split('\n').find((l) => l.startsWith('security_events_total{') && l.includes('kind="login.failed"'));
    expect(Number(line?.split(' ').at(-1))).toBeGreaterThanOrEqual(5);
  });
});
