// Where a process's CPU went (a V8 .cpuprofile from --cpu-prof) and where PostgreSQL's went
// (pg_stat_statements), as short tables: what `BENCH_PROFILE=1 pnpm bench catalog-path` prints.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The library (package name) or our own file a frame belongs to. */
function ownerOf(url: string): string {
  if (!url) return '(native / GC / idle)';
  if (url.startsWith('node:')) return url;
  const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const ours = /\/(packages|subgraphs|gateway)\/(.+)$/.exec(url);
  return ours ? `${ours[1]}/${ours[2]}` : url;
}

/** Self time by function and by library, of every .cpuprofile in `dir`, top `top` of each. */
export async function printCpuProfile(dir: string, title: string, top = 20): Promise<void> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  const byFunction = new Map<string, number>();
  const byOwner = new Map<string, number>();
  let total = 0;
  for (const file of files) {
    const profile = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as CpuProfile;
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    profile.samples.forEach((id, i) => {
      const frame = nodes.get(id)!.callFrame;
      const ms = (profile.timeDeltas[i] ?? 0) / 1000;
      if (frame.functionName === '(idle)') return;
      total += ms;
      const where = ownerOf(frame.url);
      const name = `${frame.functionName || '(anonymous)'}  ${where}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
      byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
      const owner = frame.functionName === '(garbage collector)' ? '(garbage collector)' : where;
      byOwner.set(owner, (byOwner.get(owner) ?? 0) + ms);
    });
  }
  const print = (heading: string, entries: Map<string, number>) => {
    console.log(`\n  ${title}: self time by ${heading} (${total.toFixed(0)} ms busy in all)`);
    for (const [name, ms] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`  ${((ms / total) * 100).toFixed(1).padStart(5)} %  ${ms.toFixed(0).padStart(6)} ms  ${name}`);
    }
  };
  print('library or file', byOwner);
  print('function', byFunction);
}

/** The statements PostgreSQL spent the most time on since `reset`, with calls and time per call. */
export async function printStatementStats(adminUrl: string, database: string, top = 15): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ calls: string; total: number; mean: number; rows: string; query: string }>(
      `SELECT s.calls, s.total_exec_time AS total, s.mean_exec_time AS mean, s.rows, s.query
         FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = $1 ORDER BY s.total_exec_time DESC LIMIT $2`,
      [database, top],
    );
    console.log(`\n  PostgreSQL: statements by total execution time (pg_stat_statements)`);
    console.log(`  ${'calls'.padStart(8)} ${'total ms'.padStart(9)} ${'ms/call'.padStart(8)}  statement`);
    for (const r of rows) {
      const text = r.query.replace(/\s+/g, ' ').slice(0, 150);
      console.log(`  ${r.calls.padStart(8)} ${r.total.toFixed(0).padStart(9)} ${r.mean.toFixed(3).padStart(8)}  ${text}`);
    }
  } finally {
    await client.end();
  }
}

export async function resetStatementStats(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await client.query('SELECT pg_stat_statements_reset()');
  } finally {
    await client.end();
  }
}
