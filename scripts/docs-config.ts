// pnpm docs:config: rewrites the README's configuration table from packages/service/src/settings.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CONFIGURATION_TABLE_END, CONFIGURATION_TABLE_START, renderConfigurationTable } from '@platform/service';

const file = fileURLToPath(new URL('../README.md', import.meta.url));
const readme = readFileSync(file, 'utf8');
const start = readme.indexOf(CONFIGURATION_TABLE_START);
const end = readme.indexOf(CONFIGURATION_TABLE_END);
if (start < 0 || end < start) throw new Error(`README.md has no configuration table markers (${CONFIGURATION_TABLE_START})`);
writeFileSync(file, `${readme.slice(0, start + CONFIGURATION_TABLE_START.length)}\n${renderConfigurationTable()}\n${readme.slice(end)}`);
console.log(`wrote the configuration table of ${file}`);
