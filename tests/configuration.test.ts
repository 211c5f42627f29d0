import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIGURATION_TABLE_END, CONFIGURATION_TABLE_START, renderConfigurationTable, SETTINGS } from '@platform/service';
import { root, sourceFiles } from './source-files';

/** Every variable the platform reads is described once (packages/service/src/settings.ts), and the README says the same. */
const SCANNED = ['gateway/src', 'subgraphs', 'packages', 'scripts', 'bench'];
// Set by a launcher for its own child processes (the benches, the coverage run), or the system's.
const INTERNAL = new Set(['BENCH_API_URL', 'BENCH_DATA_DIR', 'FLOOD', 'NODE_V8_COVERAGE', 'NODE_OPTIONS', 'PATH']);

/** `env.NAME`, `env['NAME']` and `(env, 'NAME'` (positiveInteger, portOf): every way the code reads a variable. */
export function variablesReadIn(source: string): string[] {
  const names = [...source.matchAll(/\benv(?:\.|\[\s*['"])([A-Z][A-Z0-9_]+)/g), ...source.matchAll(/\(env, '([A-Z][A-Z0-9_]+)'/g)];
  return names.map((m) => m[1]!);
}

const read = new Set(SCANNED.flatMap(sourceFiles).flatMap((file) => variablesReadIn(readFileSync(path.join(root, file), 'utf8'))));
const described = new Set(SETTINGS.flatMap((s) => s.names));

describe('configuration', () => {
  it('finds variables in every form the code reads them', () => {
    expect(variablesReadIn("env.HOST; process.env['LOG_LEVEL']; positiveInteger(env, 'DB_POOL_SIZE', 10)")).toEqual([
      'HOST',
      'LOG_LEVEL',
      'DB_POOL_SIZE',
    ]);
  });

  it('describes every variable the code reads', () => {
    expect([...read].filter((name) => !described.has(name) && !INTERNAL.has(name)).sort()).toEqual([]);
  });

  it('describes no variable that nothing reads', () => {
    expect([...described].filter((name) => !read.has(name)).sort()).toEqual([]);
  });

  it("is what the README's configuration table says (pnpm docs:config)", () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const table = readme.slice(
      readme.indexOf(CONFIGURATION_TABLE_START) + CONFIGURATION_TABLE_START.length,
      readme.indexOf(CONFIGURATION_TABLE_END),
    );
    expect(table.trim()).toBe(renderConfigurationTable());
  });
});
