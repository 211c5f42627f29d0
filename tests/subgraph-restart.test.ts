import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_PASSWORD } from '@platform/demo-data';
import {
  createDemoDatabase,
  graphql,
  login,
  startServiceProcesses,
  type GraphQLResponse,
  type ServiceProcesses,
  type Session,
} from '@platform/testing';

/**
 * A subgraph killed (SIGKILL, mid-answer) and started again under load, with each service a
 * process of its own as `pnpm start` runs them: while it is away only its fields fail, with
 * SERVICE_UNAVAILABLE on their paths, and the fields of the other subgraphs are answered; the
 * gateway needs no restart to use it again. A subgraph that hangs instead fails its fields after
 * SUBGRAPH_TIMEOUT_MS.
 */
const TIMEOUT_MS = 2_000;
let dir: string;
let services: ServiceProcesses;
let session: Session;
let workId: string;
let workTitle: string;

/** One field from each subgraph: identity's `me`, publishers' `publisher`, the catalog's `work`. */
const ACROSS = `
  query ($id: ID!) {
    me {
      email
    }
    publisher(slug: "spirit") {
      name
    }
    work(id: $id) {
      title
    }
  }
`;

type Verdict = 'whole' | 'without the catalog' | 'wrong';

/** Whole, or the catalog's field alone missing with SERVICE_UNAVAILABLE on its path; anything else is wrong. */
function verdictOf(answer: GraphQLResponse): Verdict {
  const othersAnswered = answer.data?.me?.email === 'owner@spirit.demo' && answer.data?.publisher?.name === 'Spirit Music Group';
  if (answer.status !== 200 || !othersAnswered) return 'wrong';
  if (!answer.errors) return answer.data.work?.title === workTitle ? 'whole' : 'wrong';
  const onlyCatalog = answer.errors.every(
    (e) => e.extensions?.code === 'SERVICE_UNAVAILABLE' && e.extensions.retryAfterSeconds === 1 && e.path?.join('.') === 'work',
  );
  return onlyCatalog && answer.data.work === null && answer.errors.length === 1 ? 'without the catalog' : 'wrong';
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'platform-subgraph-restart-'));
  const urls = await createDemoDatabase(inject('clusterAdminUrl'), 'subgraph_restart');
  services = await startServiceProcesses({
    apiUrl: urls.apiUrl,
    dataDir: dir,
    // The gateway's warnings of each failed call would fill the output; counts are printed below.
    env: { SUBGRAPH_TIMEOUT_MS: String(TIMEOUT_MS), LOG_LEVEL: 'error' },
  });
  session = await login(services.gatewayUrl, 'owner@spirit.demo', DEMO_PASSWORD);
  const page = await graphql(
    services.gatewayUrl,
    `
      {
        works(first: 1) {
          edges {
            node {
              id
              title
            }
          }
        }
      }
    `,
    {},
    { token: session.token },
  );
  ({ id: workId, title: workTitle } = page.data.works.edges[0].node);
}, 120_000);

afterAll(async () => {
  await services?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a subgraph killed under load', () => {
  it('fails only its own fields, fast and with SERVICE_UNAVAILABLE, and is used again once it is back', { timeout: 120_000 }, async () => {
    const outcomes: { startedAt: number; ms: number; verdict: Verdict; body: string }[] = [];
    let running = true;
    const worker = async () => {
      while (running) {
        const startedAt = performance.now();
        const answer = await graphql(services.gatewayUrl, ACROSS, { id: workId }, { token: session.token });
        const verdict = verdictOf(answer);
        outcomes.push({ startedAt, ms: performance.now() - startedAt, verdict, body: verdict === 'wrong' ? JSON.stringify(answer) : '' });
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const killedAt = performance.now();
    await services.kill('catalog');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const restartingAt = performance.now();
    await services.restart('catalog');
    const healthyAt = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    running = false;
    await Promise.all(workers);

    expect(outcomes.filter((o) => o.verdict === 'wrong').map((o) => o.body)).toEqual([]);
    const partial = outcomes.filter((o) => o.verdict === 'without the catalog');
    expect(partial.length).toBeGreaterThan(10);
    // Only while it was away (a request in flight at the kill began a little before it).
    const slowest = Math.max(...partial.map((o) => o.ms));
    expect(Math.min(...partial.map((o) => o.startedAt))).toBeGreaterThan(killedAt - slowest);
    expect(Math.max(...partial.map((o) => o.startedAt))).toBeLessThan(healthyAt);
    // Refused connections fail at once: nothing waits for a timeout.
    expect(slowest).toBeLessThan(TIMEOUT_MS / 2);
    // Back without anyone touching the gateway: everything after the restart is whole.
    const after = outcomes.filter((o) => o.startedAt > healthyAt);
    expect(after.length).toBeGreaterThan(10);
    expect(after.every((o) => o.verdict === 'whole')).toBe(true);
    const whole = outcomes.filter((o) => o.verdict === 'whole');
    console.log(
      `catalog killed for ${Math.round(healthyAt - killedAt)} ms (restart took ${Math.round(healthyAt - restartingAt)} ms): ` +
        `${outcomes.length} requests, ${whole.length} whole, ${partial.length} without the catalog's field ` +
        `(slowest ${Math.round(slowest)} ms), 0 wrong; ${after.length} whole after the restart`,
    );
  });

  it(
    'fails the fields of a subgraph that hangs after SUBGRAPH_TIMEOUT_MS, and the rest of the answer stands',
    { timeout: 60_000 },
    async () => {
      services.freeze('catalog');
      try {
        const startedAt = performance.now();
        const answers = await Promise.all(
          Array.from({ length: 3 }, () => graphql(services.gatewayUrl, ACROSS, { id: workId }, { token: session.token })),
        );
        const ms = performance.now() - startedAt;
        expect(answers.map(verdictOf)).toEqual(['without the catalog', 'without the catalog', 'without the catalog']);
        expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
        expect(ms).toBeLessThan(TIMEOUT_MS + 3_000);
        console.log(`catalog frozen: 3 requests answered without its field after ${Math.round(ms)} ms (timeout ${TIMEOUT_MS} ms)`);
      } finally {
        services.thaw('catalog');
      }
      expect(verdictOf(await graphql(services.gatewayUrl, ACROSS, { id: workId }, { token: session.token }))).toBe('whole');
    },
  );
});
