// pnpm docs:permissions: regenerates docs/permissions.md from the permission catalog.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderPermissionsDoc } from '@platform/permissions';

const file = fileURLToPath(new URL('../docs/permissions.md', import.meta.url));
writeFileSync(file, renderPermissionsDoc());
console.log(`wrote ${file}`);
