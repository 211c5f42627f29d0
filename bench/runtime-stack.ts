// One platform stack in a process of its own, for bench/runtime.ts: started with whichever Node
// binary is being measured, it reports its URLs and, when asked, the CPU time it has used.
import { startPlatform } from '@platform/testing';

const send = (message: unknown) => process.send?.(message);
const apiUrl = process.env.BENCH_API_URL;
const dataDir = process.env.BENCH_DATA_DIR;
if (!apiUrl || !dataDir || !process.send)
  throw new Error('run by bench/runtime.ts only (needs BENCH_API_URL, BENCH_DATA_DIR and an IPC channel)');

const platform = await startPlatform({ apiUrl, dataDir });
process.on('message', (message) => {
  if (message === 'cpu') send({ cpu: process.cpuUsage() });
  if (message === 'stop') {
    void platform.stop().then(() => process.exit(0));
  }
});
send({ ready: { gatewayUrl: platform.gatewayUrl, version: process.version } });
