import autocannon from 'autocannon';
import { DEMO_PASSWORD } from '@platform/demo-data';
import { graphql, login, SERVICES, startServiceProcesses, type ServiceName, type ServiceProcesses } from '@platform/testing';
import { rssMbOf } from './process-usage';

const TOTAL = 100_000;
const FIRST = 1_000;
/** Where the heaps have grown to what this load needs: growth after it would be a leak. */
const SETTLED = 20_000;
const CHECKPOINTS = [FIRST, SETTLED, 40_000, 60_000, 80_000, TOTAL];
const CONNECTIONS = 20;
/** RSS after TOTAL requests within this share of RSS after FIRST: no leak. */
const GOAL_GROWTH = 0.1;

interface Sample {
  rssMb: number;
  heapMb: number;
}

/**
 * Memory under a long run: 100,000 requests through the gateway, three operations in turn that
 * between them reach every service (a 20-work page with writers; one field from each subgraph; the
 * caller's permissions, an entity fetch from identity to publishers). Each service's resident
 * memory (from /proc) and V8 heap in use (from its /metrics) after the first 1,000 requests, which
 * warm every cache and JIT tier, and at checkpoints up to 100,000. Every answer is checked.
 */
export async function soak(apiUrl: string, dataDir: string): Promise<void> {
  const services = await startServiceProcesses({ apiUrl, dataDir });
  try {
    const session = await login(services.gatewayUrl, 'owner@spirit.demo', DEMO_PASSWORD);
    const bodies = await requestsWithAnswers(services.gatewayUrl, session.token);
    console.log(
      `\nMemory over ${TOTAL.toLocaleString('en')} requests through the gateway (${CONNECTIONS} connections, 3 operations in turn)`,
    );
    const samples = new Map<number, Record<ServiceName, Sample>>();
    let sent = 0;
    let wrong = 0;
    const started = performance.now();
    for (const checkpoint of CHECKPOINTS) {
      const result = await autocannon({
        url: services.gatewayUrl,
        connections: CONNECTIONS,
        amount: checkpoint - sent,
        requests: bodies.map(({ body, answer }) => ({
          method: 'POST' as const,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${session.token}` },
          body,
          onResponse: (status: number, received: string) => {
            if (status !== 200 || received !== answer) wrong += 1;
          },
        })),
      });
      wrong += result.errors + result.non2xx;
      sent = checkpoint;
      samples.set(checkpoint, await sampleAll(services));
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `  ${sent.toLocaleString('en').padStart(7)} requests in ${seconds.toFixed(0)} s (${(sent / seconds).toFixed(0)}/s), ${wrong} wrong`,
      );
    }
    printSamples(samples);
    if (wrong) console.log(`FAILED: ${wrong} answers differed from the one fetched before the load`);
  } finally {
    await services.stop();
  }
}

/** The three request bodies, each with the answer it must get every time. */
async function requestsWithAnswers(gatewayUrl: string, token: string): Promise<{ body: string; answer: string }[]> {
  const page = await graphql(
    gatewayUrl,
    `
      {
        works(first: 1) {
          edges {
            node {
              id
            }
          }
        }
      }
    `,
    {},
    { token },
  );
  const workId: string = page.data.works.edges[0].node.id;
  const operations = [
    { query: `{ works(first: 20) { totalCount edges { node { id title iswc writers { share songwriter { id name } } } } } }` },
    { query: `query ($id: ID!) { me { email } publisher(slug: "spirit") { name } work(id: $id) { title } }`, variables: { id: workId } },
    { query: `{ me { email permissions } }` },
  ];
  const withAnswers = [];
  for (const operation of operations) {
    const body = JSON.stringify(operation);
    const response = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
    });
    const answer = await response.text();
    if (response.status !== 200 || answer.includes('"errors"')) throw new Error(`the soak's operation failed before the load: ${answer}`);
    withAnswers.push({ body, answer });
  }
  return withAnswers;
}

async function sampleAll(services: ServiceProcesses): Promise<Record<ServiceName, Sample>> {
  const pids = services.pids();
  const sampled = {} as Record<ServiceName, Sample>;
  for (const service of SERVICES) {
    const metrics = await (await fetch(`${services.origins[service]}/metrics`)).text();
    const heapBytes = Number(/^nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\S+)/m.exec(metrics)?.[1] ?? NaN);
    sampled[service] = { rssMb: await rssMbOf(pids[service]), heapMb: heapBytes / 2 ** 20 };
  }
  return sampled;
}

function printSamples(samples: Map<number, Record<ServiceName, Sample>>): void {
  const first = samples.get(FIRST)!;
  const last = samples.get(TOTAL)!;
  const settled = samples.get(SETTLED)!;
  const columns = [...samples.keys()];
  // The heap in use includes garbage not yet collected: it swings with the moment of sampling.
  console.log(
    `\n  RSS MB (V8 heap in use MB) after N requests; RSS after ${TOTAL / 1000}k ÷ after ${FIRST / 1000}k and ÷ after ${SETTLED / 1000}k`,
  );
  console.log(
    `  ${'service'.padEnd(11)} ${columns.map((n) => `${n / 1000}k`.padStart(12)).join(' ')}   ${`÷ ${FIRST / 1000}k`.padStart(7)} ${`÷ ${SETTLED / 1000}k`.padStart(7)}`,
  );
  let met = true;
  let flat = true;
  for (const service of SERVICES) {
    const cells = columns.map((n) => {
      const s = samples.get(n)![service];
      return `${s.rssMb.toFixed(0)} (${s.heapMb.toFixed(0)})`.padStart(12);
    });
    const ratio = last[service].rssMb / first[service].rssMb;
    const sinceSettled = last[service].rssMb / settled[service].rssMb;
    met &&= ratio <= 1 + GOAL_GROWTH;
    flat &&= sinceSettled <= 1 + GOAL_GROWTH;
    console.log(
      `  ${service.padEnd(11)} ${cells.join(' ')}   ${`${ratio.toFixed(2)}×`.padStart(7)} ${`${sinceSettled.toFixed(2)}×`.padStart(7)}`,
    );
  }
  console.log(
    `  goal: every service within ${GOAL_GROWTH * 100} % of its RSS after ${FIRST.toLocaleString('en')}: ${met ? 'met' : 'NOT met'}`,
  );
  console.log(
    `  after ${SETTLED.toLocaleString('en')} (V8 has sized its heaps): every service within ${GOAL_GROWTH * 100} %: ${flat ? 'yes, no growth' : 'NO: growing'}`,
  );
}
