// The publishers subgraph as a process: `pnpm --filter @platform/publishers start`.
import { createLogger, portOf, readServiceConfig, runServiceProcess } from '@platform/service';
import { startPublishers } from './start';

const root = new URL('../../..', import.meta.url).pathname;
await runServiceProcess(createLogger('publishers'), () =>
  startPublishers(readServiceConfig(process.env, root), portOf(process.env, 'PUBLISHERS_PORT', 4002)),
);
