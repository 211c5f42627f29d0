// The last step of `pnpm test`: every spec, with line and branch coverage of everything the specs
// exercise, in whichever process it ran (the vitest workers, the platform the global set-up
// starts, the services `pnpm start` spawns), printed and gated.
//
// Each process writes its V8 coverage (NODE_V8_COVERAGE) with its source maps
// (--enable-source-maps). The same file is transformed differently in different processes, so
// each process's coverage is mapped back to the TypeScript sources on its own, and only the
// mapped results are merged; c8's own merge joins raw V8 ranges first and misplaces them.
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Report } from 'c8';
import libCoverage, { type CoverageMap } from 'istanbul-lib-coverage';
import libReport from 'istanbul-lib-report';
import reports from 'istanbul-reports';

/** The gate (a roadmap success metric). */
const MIN_LINES = 90;
const MIN_BRANCHES = 80;

const root = fileURLToPath(new URL('..', import.meta.url));
const raw = path.join(root, 'coverage/raw');
const scope = {
  src: ['gateway/src', 'packages', 'subgraphs', 'scripts'].map((dir) => path.join(root, dir)),
  include: ['gateway/src/**', 'packages/*/src/**', 'subgraphs/*/src/**', 'scripts/**'],
  // Specs, generated code, the test harness, and files that hold only types or build settings.
  exclude: ['**/*.test.ts', '**/generated/**', 'packages/testing/**', '**/models.ts', '**/codegen.ts'],
  excludeNodeModules: true,
};

async function main(): Promise<void> {
  await rm(raw, { recursive: true, force: true });
  await mkdir(raw, { recursive: true });
  const code = await runSpecs(process.argv.slice(2));
  if (code !== 0) process.exit(code);
  const coverage = await mergedCoverage();
  const context = libReport.createContext({ dir: path.join(root, 'coverage'), coverageMap: coverage });
  for (const name of ['text', 'text-summary'] as const) reports.create(name, { skipFull: name === 'text' }).execute(context);
  const summary = coverage.getCoverageSummary();
  const short = [
    summary.lines.pct < MIN_LINES ? `lines ${summary.lines.pct} % < ${MIN_LINES} %` : null,
    summary.branches.pct < MIN_BRANCHES ? `branches ${summary.branches.pct} % < ${MIN_BRANCHES} %` : null,
  ].filter(Boolean);
  if (short.length) {
    console.error(`coverage below the gate: ${short.join(', ')}`);
    process.exit(1);
  }
}

function runSpecs(args: string[]): Promise<number> {
  const vitest = path.join(root, 'node_modules/.bin/vitest');
  const env = { ...process.env, NODE_V8_COVERAGE: raw, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --enable-source-maps`.trim() };
  const child = spawn(vitest, ['run', ...args], { stdio: 'inherit', env, cwd: root });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

async function mergedCoverage(): Promise<CoverageMap> {
  const files = (await readdir(raw)).filter((file) => file.endsWith('.json'));
  console.log(`\ncoverage: mapping ${files.length} process reports to the sources`);
  const merged = libCoverage.createCoverageMap();
  for (const file of files) merged.merge(await coverageOf([file]));
  // Files no process loaded count too, with nothing covered.
  const everything = await coverageOf([], true);
  const loaded = new Set(merged.files());
  for (const file of everything.files()) if (!loaded.has(file)) merged.addFileCoverage(everything.fileCoverageFor(file));
  return merged;
}

/** One process's report (or none, with `all`), alone in a folder of its own so c8 maps it alone. */
async function coverageOf(files: string[], all = false): Promise<CoverageMap> {
  const dir = path.join(raw, `one-${files[0] ?? 'none'}`);
  await mkdir(dir, { recursive: true });
  for (const file of files) await symlink(path.join(raw, file), path.join(dir, file));
  const out = path.join(dir, 'report');
  await new Report({ ...scope, all, reporter: ['json'], tempDirectory: dir, reportsDirectory: out }).run();
  const map = libCoverage.createCoverageMap(JSON.parse(await readFile(path.join(out, 'coverage-final.json'), 'utf8')));
  await rm(dir, { recursive: true, force: true });
  return map;
}

await main();
