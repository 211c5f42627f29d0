// pnpm docs:events: rewrites docs/events.md from the event catalogue (packages/events).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderEventsDoc } from '@platform/events';

const file = fileURLToPath(new URL('../docs/events.md', import.meta.url));
writeFileSync(file, renderEventsDoc());
console.log(`wrote ${file}`);
