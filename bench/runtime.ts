import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_PASSWORD } from '@platform/demo-data';
import { majorOf } from '@platform/service';
import { graphql, login, type GraphQLResponse } from '@platform/testing';
import { percentile } from './measure';

const root = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = 6;
const REQUESTS_PER_ROUND = 60;
const PAGES = [
  { name: '20 works', query: `{ works(first: 20) { totalCount edges { node { id title iswc } } } }`, size: 20 },
  {
    name: '100 works with writers',
    query: `{ works(first: 100) { totalCount edges { node { id title iswc writers { share songwriter { id name } } } } } }`,
    size: 100,
  },
];

interface Stack {
  label: string;
  child: ChildProcess;
  gatewayUrl: string;
  token: string;
}

/**
 * The pinned Node against an older one on the same code, database and data: one whole platform
 * stack per runtime, each in its own process, driven in interleaved rounds so that the machine's
 * drift hits both alike. CPU per request is the stack process's CPU time (every service: gateway
 * and the three subgraphs) over the requests it served; PostgreSQL's share is the same for both.
 *
 * The older Node is BENCH_BASELINE_NODE, or the machine's own `node` outside node_modules.
 */
export async function runtimeComparison(apiUrl: string, dataDir: string): Promise<void> {
  const baseline = baselineNode();
  console.log('\nNode runtimes, the same platform stack on each (CPU over every service of the stack)');
  if (!baseline) {
    console.log(`  skipped: no Node of another major than ${process.version} found; set BENCH_BASELINE_NODE=/path/to/node to compare`);
    return;
  }
  const stacks = [
    await startStack(baseline, apiUrl, path.join(dataDir, 'baseline')),
    await startStack(process.execPath, apiUrl, path.join(dataDir, 'pinned')),
  ];
  try {
    for (const page of PAGES) {
      const results = new Map(stacks.map((s) => [s, { latencies: [] as number[], cpuMs: 0, requests: 0 }]));
      for (let round = 0; round < ROUNDS; round += 1) {
        // Alternate which runtime goes first, so neither always meets a warmer machine.
        for (const stack of round % 2 ? [...stacks].reverse() : stacks) {
          const result = results.get(stack)!;
          const before = await cpuOf(stack.child);
          for (let i = 0; i < REQUESTS_PER_ROUND; i += 1) {
            const started = process.hrtime.bigint();
            check(await graphql(stack.gatewayUrl, page.query, {}, { token: stack.token }), page.size);
            if (round > 0) result.latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
          }
          const after = await cpuOf(stack.child);
          if (round > 0) {
            result.cpuMs += (after.user - before.user + after.system - before.system) / 1000;
            result.requests += REQUESTS_PER_ROUND;
          }
        }
      }
      printTable(
        page.name,
        stacks.map((s) => ({ label: s.label, ...results.get(s)! })),
      );
    }
  } finally {
    await Promise.all(stacks.map(stopStack));
  }
}

function baselineNode(): string | undefined {
  const candidates = process.env.BENCH_BASELINE_NODE
    ? [process.env.BENCH_BASELINE_NODE]
    : (process.env.PATH ?? '')
        .split(path.delimiter)
        .filter((dir) => dir && !dir.includes('node_modules'))
        .map((dir) => path.join(dir, 'node'));
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    const version = execFileSync(candidate, ['--version'], { encoding: 'utf8' }).trim();
    if (majorOf(version) !== majorOf(process.version)) return candidate;
  }
  return undefined;
}

async function startStack(node: string, apiUrl: string, dataDir: string): Promise<Stack> {
  const child = spawn(node, ['--import', 'tsx', 'bench/runtime-stack.ts'], {
    cwd: root,
    env: { ...process.env, BENCH_API_URL: apiUrl, BENCH_DATA_DIR: dataDir },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<{ gatewayUrl: string; version: string }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the stack on ${node} exited (${code}) before it was ready`)));
    child.on('message', (message: { ready?: { gatewayUrl: string; version: string } }) => message.ready && resolve(message.ready));
  });
  child.removeAllListeners('exit');
  const session = await login(ready.gatewayUrl, 'owner@spirit.demo', DEMO_PASSWORD);
  return { label: `Node ${ready.version}`, child, gatewayUrl: ready.gatewayUrl, token: session.token };
}

function cpuOf(child: ChildProcess): Promise<NodeJS.CpuUsage> {
  return new Promise((resolve) => {
    const onMessage = (message: { cpu?: NodeJS.CpuUsage }) => {
      if (!message.cpu) return;
      child.off('message', onMessage);
      resolve(message.cpu);
    };
    child.on('message', onMessage);
    child.send('cpu');
  });
}

async function stopStack(stack: Stack): Promise<void> {
  const exited = new Promise((resolve) => stack.child.once('exit', resolve));
  stack.child.send('stop');
  await exited;
}

function check(response: GraphQLResponse, size: number): void {
  if (response.errors || response.data.works.edges.length !== size)
    throw new Error(`unexpected answer: ${JSON.stringify(response.errors)}`);
}

function printTable(page: string, rows: { label: string; latencies: number[]; cpuMs: number; requests: number }[]): void {
  const base = rows[0]!;
  const cpuPerRequest = (r: typeof base) => r.cpuMs / r.requests;
  console.log(`\n  a page of ${page}, ${ROUNDS - 1} measured rounds × ${REQUESTS_PER_ROUND} sequential requests per runtime, interleaved`);
  console.log(
    `  ${'runtime'.padEnd(16)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'CPU ms/req'.padStart(11)}   CPU ratio   p50 ratio`,
  );
  for (const r of rows) {
    const p50 = percentile(r.latencies, 50);
    console.log(
      `  ${r.label.padEnd(16)} ${p50.toFixed(2).padStart(8)} ${percentile(r.latencies, 99).toFixed(2).padStart(8)} ${cpuPerRequest(r).toFixed(2).padStart(11)}` +
        `   ${(cpuPerRequest(r) / cpuPerRequest(base)).toFixed(2).padStart(8)}×  ${(p50 / percentile(base.latencies, 50)).toFixed(2).padStart(8)}×`,
    );
  }
}
