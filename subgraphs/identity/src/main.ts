// The identity subgraph as a process: `pnpm --filter @platform/identity start`.
import { createLogger, portOf, readServiceConfig, runServiceProcess } from '@platform/service';
import { startIdentity } from './start';

const root = new URL('../../..', import.meta.url).pathname;
await runServiceProcess(createLogger('identity'), () =>
  startIdentity(readServiceConfig(process.env, root), portOf(process.env, 'IDENTITY_PORT', 4001)),
);
