// The catalog subgraph as a process: `pnpm --filter @platform/catalog start`.
import { createLogger, portOf, readServiceConfig, runServiceProcess } from '@platform/service';
import { startCatalog } from './start';

const root = new URL('../../..', import.meta.url).pathname;
await runServiceProcess(createLogger('catalog'), () =>
  startCatalog(readServiceConfig(process.env, root), portOf(process.env, 'CATALOG_PORT', 4003)),
);
