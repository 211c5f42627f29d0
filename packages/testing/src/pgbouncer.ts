import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port';

const BINARY = '/usr/sbin/pgbouncer';

export interface PgBouncer {
  /** `url` with its host and port moved to PgBouncer. */
  through(url: string): string;
  /** Server connections per database and user: what many clients share. */
  poolSize: number;
  /** Its process (a bench reads its CPU). */
  pid: number;
  stop(): Promise<void>;
}

/**
 * A real PgBouncer (Debian's, `pnpm pgbouncer:install`) on loopback in transaction mode, in front
 * of the PostgreSQL that `serverUrl` names: every transaction of every client gets whichever
 * server connection is free, as in production. `users` are the roles (and passwords) it lets
 * through; it authenticates them with SCRAM and logs in to PostgreSQL the same way.
 */
export async function startPgBouncer(options: {
  serverUrl: string;
  database: string;
  users: Record<string, string>;
  poolSize: number;
}): Promise<PgBouncer> {
  if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run pnpm pgbouncer:install`);
  const server = new URL(options.serverUrl);
  const port = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'platform-pgbouncer-'));
  const quoted = (s: string) => `"${s.replaceAll('"', '""')}"`;
  await writeFile(
    path.join(dir, 'userlist.txt'),
    Object.entries(options.users)
      .map(([user, password]) => `${quoted(user)} ${quoted(password)}`)
      .join('\n'),
  );
  await writeFile(
    path.join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `${options.database} = host=${server.hostname} port=${server.port} dbname=${options.database}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = scram-sha-256',
      `auth_file = ${path.join(dir, 'userlist.txt')}`,
      'pool_mode = transaction',
      `default_pool_size = ${options.poolSize}`,
      'max_client_conn = 1000',
      'pidfile =',
      'logfile =',
      'log_connections = 0',
      'log_disconnections = 0',
    ].join('\n'),
  );
  // PgBouncer refuses to run as root; as root it is started as the system user embedded
  // PostgreSQL runs as, which must then be able to read its folder.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await chmod(dir, 0o755);
  const child = spawn(BINARY, [...(asRoot ? ['-u', 'postgres'] : []), path.join(dir, 'pgbouncer.ini')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    await untilListening(port, child, () => stderr);
  } catch (error) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    poolSize: options.poolSize,
    pid: child.pid!,
    through(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT'); // immediate shutdown
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function untilListening(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited (${child.exitCode}): ${stderr().trim()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`pgbouncer did not listen on ${port} within 10 s: ${stderr().trim()}`);
}
