import { readdirSync } from 'node:fs';
import path from 'node:path';

/** The repository root, for specs that read the code itself. */
export const root = path.resolve(import.meta.dirname, '..');

/** Every TypeScript source under `dir` (relative to the root), without specs, dependencies or generated code. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return ['node_modules', 'generated'].includes(entry.name) ? [] : sourceFiles(relative);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [relative] : [];
  });
}
