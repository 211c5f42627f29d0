import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * A bench helper (the floor, the stub subgraphs, Hive Gateway) in a process of its own: it is
 * sent its setup, answers once it listens (its port or ports), and exits when sent 'stop'.
 */
export async function forkHelper<Reply>(file: string, setup: object): Promise<{ child: ChildProcess; reply: Reply; stop(): void }> {
  const child = fork(path.join(here, file), [], { execArgv: ['--import', 'tsx'] });
  const reply = await new Promise<Reply>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${file} exited (${code}) before it listened`)));
    child.once('message', (message) => resolve(message as Reply));
    child.send(setup);
  });
  child.removeAllListeners('exit');
  return { child, reply, stop: () => child.send('stop') };
}
