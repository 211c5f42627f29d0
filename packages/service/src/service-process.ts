import type { Logger } from 'pino';
import { startTracing, type Tracing } from '@platform/tracing';
import { assertPinnedRuntime } from './runtime';

/**
 * Runs a service as its own process: checks that it runs on the pinned Node major, starts it,
 * logs where it listens and on which Node, and on SIGINT/SIGTERM closes it (finishing requests
 * in flight, sending the traces it holds) before exiting. A start-up failure exits non-zero with one readable line instead
 * of a stack trace.
 */
export async function runServiceProcess(log: Logger, start: () => Promise<{ url: string; close(): Promise<void> }>) {
  let running: { url: string; close(): Promise<void> };
  let tracing: Tracing | null = null;
  try {
    assertPinnedRuntime();
    // Before the service starts, so that its first request is traced (when OTLP is configured).
    tracing = startTracing(log.bindings().name ?? 'service');
    running = await start();
  } catch (error) {
    log.fatal({ err: error }, `could not start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  log.info(`listening on ${running.url} (Node ${process.version})`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: shutting down`);
    await running.close();
    await tracing?.shutdown();
    log.flush();
    process.exit(0);
  };
  // Listeners that stay: a library's exit hook (signal-exit) re-raises a signal nobody else
  // listens to any more, which would end the process in the middle of its shutdown.
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
