import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedCluster } from '@platform/db/admin';
import { DEMO_PASSWORD } from '@platform/demo-data';
import { createDemoDatabase, freePort, graphql, login, startPlatform, type RunningPlatform, type Session } from '@platform/testing';

/**
 * PostgreSQL restarted under load, on a cluster of this file's own: while it is away every
 * request fails fast with SERVICE_UNAVAILABLE (never a hang, never another code), the services
 * recover on their own once it is back, and every mutation that was answered is there.
 */
const OUTAGE_MS = 3_000;
let dir: string;
let port: number;
let cluster: EmbeddedCluster;
let platform: RunningPlatform;
let urls: { apiUrl: string; adminUrl: string };
let session: Session;

const startCluster = () => startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), port, password: 'restart-test', persistent: true });

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'platform-restart-'));
  port = await freePort();
  cluster = await startCluster();
  urls = await createDemoDatabase(cluster.adminUrl, 'restart_spec');
  platform = await startPlatform({ apiUrl: urls.apiUrl, dataDir: dir });
  session = await login(platform.gatewayUrl, 'owner@spirit.demo', DEMO_PASSWORD);
});

afterAll(async () => {
  await platform?.stop();
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Outcome {
  kind: 'read' | 'write';
  startedAt: number;
  ms: number;
  code: string | null;
  workId?: string;
}

describe('PostgreSQL restarted under load', () => {
  it(
    'fails requests fast and clearly while it is away, recovers by itself, and loses no answered write',
    { timeout: 120_000 },
    async () => {
      const outcomes: Outcome[] = [];
      let running = true;
      let serial = 0;
      const worker = async (kind: Outcome['kind']) => {
        while (running) {
          const startedAt = performance.now();
          const answer =
            kind === 'write'
              ? await graphql(
                  platform.gatewayUrl,
                  `
                    mutation ($t: String!) {
                      createWork(input: { title: $t }) {
                        id
                      }
                    }
                  `,
                  { t: `Restart ${(serial += 1)}` },
                  { token: session.token },
                )
              : await graphql(
                  platform.gatewayUrl,
                  `
                    {
                      works(first: 20) {
                        totalCount
                        edges {
                          node {
                            id
                            writers {
                              share
                            }
                          }
                        }
                      }
                    }
                  `,
                  {},
                  { token: session.token },
                );
          const code = answer.errors ? String(answer.errors[0]!.extensions?.code ?? 'NONE') : null;
          outcomes.push({
            kind,
            startedAt,
            ms: performance.now() - startedAt,
            code,
            ...(kind === 'write' && !code ? { workId: answer.data.createWork.id } : {}),
          });
          if (code) await new Promise((resolve) => setTimeout(resolve, 50)); // a client backs off a little
        }
      };
      const workers = [worker('write'), worker('write'), worker('read'), worker('read')];
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const stoppedAt = performance.now();
      await cluster.stop();
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      cluster = await startCluster();
      const backAt = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      running = false;
      await Promise.all(workers);

      const failed = outcomes.filter((o) => o.code);
      const codes = [...new Set(failed.map((o) => o.code))];
      const firstOkAfter = outcomes.find((o) => o.startedAt > backAt && !o.code);
      const answeredWrites = outcomes.filter((o) => o.workId).map((o) => o.workId!);
      const admin = new pg.Client({ connectionString: urls.adminUrl });
      await admin.connect();
      const present = (
        await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM works WHERE id = ANY($1::uuid[])`, [answeredWrites])
      ).rows[0]!.n;
      await admin.end();
      const slowest = Math.max(...failed.map((o) => o.ms));
      console.log(
        `PostgreSQL away ${((backAt - stoppedAt) / 1000).toFixed(1)} s: ${outcomes.length} requests, ${failed.length} failed (${codes.join(', ')}), ` +
          `slowest failure ${slowest.toFixed(0)} ms; first success ${firstOkAfter ? (firstOkAfter.startedAt - backAt).toFixed(0) : '–'} ms after it was back; ` +
          `${answeredWrites.length} writes answered, ${present} present`,
      );
      expect(failed.length).toBeGreaterThan(0);
      expect(codes).toEqual(['SERVICE_UNAVAILABLE']);
      expect(slowest).toBeLessThan(7_000);
      expect(failed.every((o) => o.startedAt > stoppedAt - 1_000 && o.startedAt < backAt + 3_000)).toBe(true);
      expect(firstOkAfter && firstOkAfter.startedAt - backAt).toBeLessThan(3_000);
      // The last second: everything answered again.
      expect(outcomes.filter((o) => o.startedAt > backAt + 4_000).every((o) => !o.code)).toBe(true);
      expect(present).toBe(answeredWrites.length);
    },
  );
});
