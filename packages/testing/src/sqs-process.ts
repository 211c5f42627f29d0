import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port';

export interface SqsProcess {
  endpoint: string;
  /** Freezes the server (SIGSTOP): connections stay open and nothing answers, as an SQS that hangs. */
  pause(): void;
  /** Lets it go on (SIGCONT), with every queue and message it held. */
  resume(): void;
  stop(): Promise<void>;
}

/**
 * fauxqs in a process of its own, for specs that take SQS away mid-test: a stopped process keeps
 * its queues and messages, as SQS keeps them through an outage its clients cannot reach across.
 */
export async function startSqsProcess(): Promise<SqsProcess> {
  const port = await freePort();
  const entry = fileURLToPath(new URL('./sqs-server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', entry, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 30_000;
  while (!output.includes('listening')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`fauxqs did not start on port ${port}: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
