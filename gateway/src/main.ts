// The gateway as a process: `pnpm --filter @platform/gateway start`.
import { createLogger, portOf, readServiceConfig, runServiceProcess } from '@platform/service';
import { startGatewayService } from './start';

const root = new URL('../..', import.meta.url).pathname;
await runServiceProcess(createLogger('gateway'), () =>
  startGatewayService(readServiceConfig(process.env, root), portOf(process.env, 'GATEWAY_PORT', 4000)),
);
