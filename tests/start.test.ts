import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, demoId } from '@platform/demo-data';
import { majorOf, pinnedNodeVersion } from '@platform/service';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { EVENT_QUEUE_NAME, eventQueueClient } from '@platform/events/queue';
import { EventConsumer } from '@platform/example-event-consumer';
import { freePort, graphql, login } from '@platform/testing';

/**
 * `pnpm start` as a person runs it: the supervisor, its four processes and embedded PostgreSQL.
 * Each start takes 10–15 s alone and up to 40 s beside the other specs, hence the longer timeouts.
 */

const root = fileURLToPath(new URL('..', import.meta.url));
let dataDir: string;
let env: NodeJS.ProcessEnv;
let gatewayPort: number;
let publishersPort: number;
let sqsPort: number;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'platform-start-'));
  const [pgPort, gateway, identity, publishers, catalog, sqs] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  gatewayPort = gateway;
  publishersPort = publishers;
  sqsPort = sqs;
  env = {
    ...process.env,
    NODE_ENV: 'development',
    DATA_DIR: dataDir,
    EMBEDDED_POSTGRES_PORT: String(pgPort),
    GATEWAY_PORT: String(gateway),
    IDENTITY_PORT: String(identity),
    PUBLISHERS_PORT: String(publishers),
    CATALOG_PORT: String(catalog),
    EMBEDDED_SQS_PORT: String(sqs),
  };
  // Embedded everything, whatever this shell points at.
  env = Object.fromEntries(
    Object.entries(env).filter(
      ([name]) => !['DATABASE_URL', 'SQS_ENDPOINT', 'SQS_QUEUE_URL', 'SQS_DLQ_URL', 'EVENTS_RELAY'].includes(name),
    ),
  );
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** Starts the supervisor in its own process group, as a terminal would, and waits until ready. */
async function start(extraEnv: NodeJS.ProcessEnv = {}): Promise<{ output: () => string; interrupt: () => Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: root,
    env: { ...env, ...extraEnv },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes('Press Ctrl-C to stop.')) {
        clearInterval(timer);
        resolve();
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`pnpm start exited early:\n${output}`));
      }
    }, 100);
  });
  return {
    output: () => output,
    interrupt: async () => {
      process.kill(-child.pid!, 'SIGINT'); // Ctrl-C reaches the whole process group
      return exited;
    },
  };
}

describe('pnpm start', () => {
  it('starts everything on embedded defaults, serves the demo world, and stops it all on Ctrl-C', { timeout: 90_000 }, async () => {
    const platform = await start();
    const seconds = Number(/ready in ([\d.]+) s/.exec(platform.output())?.[1]);
    console.log(`pnpm start (fresh data folder) ready in ${seconds} s`);
    expect(platform.output()).toContain('demo data: catalog 4/4 spirit: 250 works created');
    expect(platform.output()).toContain(`password: ${DEMO_PASSWORD}`);
    // Every process runs on the Node the workspace pins, not on whatever the machine has.
    const pinnedMajor = majorOf(pinnedNodeVersion());
    for (const service of ['identity', 'publishers', 'catalog', 'gateway']) {
      expect(platform.output()).toMatch(new RegExp(`\\[${service}\\] listening on \\S+ \\(Node v${pinnedMajor}\\.`));
    }

    const url = `http://127.0.0.1:${gatewayPort}/graphql`;
    const spirit = await login(url, 'owner@spirit.demo', DEMO_PASSWORD);
    const works = await graphql(
      url,
      `
        {
          works(first: 5) {
            totalCount
            edges {
              node {
                publisher {
                  slug
                }
              }
            }
          }
        }
      `,
      {},
      { token: spirit.token },
    );
    expect(works.data.works.totalCount).toBe(250);

    // A change reaches the embedded SQS queue through the publishers service's relay.
    const added = await graphql(
      url,
      `
        mutation {
          createSongwriter(input: { name: "Start Spec Writer" }) {
            id
          }
        }
      `,
      {},
      { token: spirit.token },
    );
    const songwriterId = added.data.createSongwriter.id;
    const sqs = eventQueueClient({ endpoint: `http://127.0.0.1:${sqsPort}`, region: 'us-east-1', queueUrl: null, dlqUrl: null });
    const queueUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: EVENT_QUEUE_NAME }))).QueueUrl!;
    const consumer = new EventConsumer(sqs, queueUrl);
    const seen: string[] = [];
    await expect
      .poll(
        async () => {
          for (const d of await consumer.poll(0)) if (d.kind === 'event') seen.push(`${d.event.type} ${d.event.aggregate.id}`);
          return seen;
        },
        { timeout: 15_000, interval: 100 },
      )
      .toContain(`songwriter.created ${songwriterId}`);
    sqs.destroy();
    const metrics = await (await fetch(`http://127.0.0.1:${publishersPort}/metrics`)).text();
    expect(Number(/^events_delivered_total\{[^}]*\} (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(0);

    expect(await platform.interrupt()).toBe(0);
    expect(platform.output()).toContain('[platform] stopped');
    // On exit: what the relay delivered, and what waits in the outbox and among dead letters.
    expect(platform.output()).toMatch(
      /\[publishers\] events: relay stopped: \d+ delivered \([\d.]+\/s\), 0 refused, \d+ waiting \(oldest \d+ s\), 0 dead letters/,
    );
    await expect(fetch(url)).rejects.toThrow();
  });

  it(
    'starts again on the same data without loading the demo world twice, and traces a request through every service to SQL',
    { timeout: 90_000 },
    async () => {
      const collector = await startTraceCollector();
      const platform = await start({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '200' });
      try {
        expect(platform.output()).toContain('nothing to migrate');
        expect(platform.output()).toContain('demo data: catalog 4/4 spirit: already present');
        const url = `http://127.0.0.1:${gatewayPort}/graphql`;
        const spirit = await login(url, 'owner@spirit.demo', DEMO_PASSWORD);
        const works = await graphql(
          url,
          `
            query TracedWorks {
              works(first: 1) {
                totalCount
                edges {
                  node {
                    title
                  }
                }
              }
            }
          `,
          {},
          { token: spirit.token, headers: { 'x-request-id': 'start-spec-request-1', 'x-tenant-id': demoId('publisher:spirit') } },
        );
        expect(works.data.works.totalCount).toBe(250);
        expect(works.headers.get('x-request-id')).toBe('start-spec-request-1');

        // One trace: the gateway's request, its plan and fetch, the catalog's request and its SQL.
        await expect
          .poll(() => collector.traceOf('TracedWorks'), { timeout: 15_000, interval: 250 })
          .toEqual(
            expect.arrayContaining([
              'gateway POST /graphql',
              'gateway gateway.fetch',
              'catalog POST /graphql',
              'catalog prisma:client:db_query',
            ]),
          );
        // The gateway's log line of that request names it, and its trace.
        const line = platform
          .output()
          .split('\n')
          .find((l) => l.includes('start-spec-request-1'));
        expect(line).toMatch(/^\[gateway\] WARN .*\(request start-spec-request-1, trace [0-9a-f]{32}\)$/);
      } finally {
        expect(await platform.interrupt()).toBe(0);
        await collector.close();
      }
    },
  );
});

interface CollectedSpan {
  service: string;
  traceId: string;
  name: string;
  attributes: Record<string, unknown>;
}

/** An OTLP/HTTP (JSON) receiver: what an OpenTelemetry collector would be sent. */
async function startTraceCollector() {
  const spans: CollectedSpan[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const payload = JSON.parse(body) as {
        resourceSpans: {
          resource: { attributes: { key: string; value: { stringValue?: string } }[] };
          scopeSpans: { spans: { traceId: string; name: string; attributes?: { key: string; value: Record<string, unknown> }[] }[] }[];
        }[];
      };
      for (const resource of payload.resourceSpans) {
        const service = resource.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
        for (const scope of resource.scopeSpans) {
          for (const span of scope.spans) {
            const attributes = Object.fromEntries((span.attributes ?? []).map((a) => [a.key, Object.values(a.value)[0]]));
            spans.push({ service, traceId: span.traceId, name: span.name, attributes });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    /** `service name` of every span in the trace of the operation named so. */
    traceOf(operation: string): string[] {
      const root = spans.find((s) => s.service === 'gateway' && s.attributes['graphql.operation.name'] === operation);
      return root ? spans.filter((s) => s.traceId === root.traceId).map((s) => `${s.service} ${s.name}`) : [];
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
