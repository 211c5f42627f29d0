import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'ldapts';

const run = promisify(execFile);

/** The Debian packages a Samba AD domain controller needs; `scripts/directory-install.sh` installs them. */
export const SAMBA_PACKAGES = ['samba', 'samba-ad-provision', 'samba-dsdb-modules', 'samba-vfs-modules', 'winbind', 'ldap-utils'];

export interface SambaDcOptions {
  /** Where the domain is provisioned (once) and its state kept. */
  dir: string;
  /** Kerberos realm; its labels become the base DN (`DMP.EXAMPLE` → `DC=dmp,DC=example`). */
  realm?: string;
  adminPassword?: string;
  log?: (line: string) => void;
}

export interface SambaDc {
  host: string;
  /** Plain LDAP; StartTLS upgrades it. */
  ldapUrl: string;
  ldapsUrl: string;
  baseDn: string;
  adminDn: string;
  adminPassword: string;
  /** PEM of the CA that signed the DC's certificate (for `caCertificate` and `tlsOptions.ca`). */
  caCertificate: string;
  /** A connected client bound as the domain Administrator over LDAPS; unbind it when done. */
  adminClient(): Promise<Client>;
  /** Stops the DC process (the domain stays provisioned); `start` brings it back. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

const HOST = '127.0.0.1';

/**
 * A real Samba Active Directory domain controller on loopback, serving LDAP (389), LDAPS (636)
 * and StartTLS with a certificate from its own CA. Provisioning takes a few seconds the first
 * time `dir` is used; later starts reuse it. Samba listens on the fixed LDAP ports, so one DC
 * runs per machine at a time.
 */
export async function startSambaDc(options: SambaDcOptions): Promise<SambaDc> {
  const log = options.log ?? (() => {});
  const realm = (options.realm ?? 'DMP.EXAMPLE').toUpperCase();
  const adminPassword = options.adminPassword ?? 'Directory-Admin-2026!';
  const baseDn = realm
    .toLowerCase()
    .split('.')
    .map((label) => `DC=${label}`)
    .join(',');
  const conf = path.join(options.dir, 'etc', 'smb.conf');
  await requireSamba();
  if (!existsSync(conf)) {
    log(`provisioning Samba AD domain ${realm} in ${options.dir}`);
    await provision(options.dir, realm, adminPassword);
  }
  const caCertificate = await readFile(path.join(options.dir, 'tls', 'ca.pem'), 'utf8');
  const dc: Omit<SambaDc, 'stop' | 'start'> = {
    host: HOST,
    ldapUrl: `ldap://${HOST}:389`,
    ldapsUrl: `ldaps://${HOST}:636`,
    baseDn,
    adminDn: `CN=Administrator,CN=Users,${baseDn}`,
    adminPassword,
    caCertificate,
    async adminClient() {
      const client = new Client({ url: `ldaps://${HOST}:636`, tlsOptions: { ca: caCertificate }, connectTimeout: 2000, timeout: 30_000 });
      await client.bind(`CN=Administrator,CN=Users,${baseDn}`, adminPassword);
      return client;
    },
  };

  let child: ChildProcess | null = null;
  const start = async () => {
    const output: string[] = [];
    const started = spawn('samba', ['-s', conf, '-M', 'single', '--foreground', '--no-process-group'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => output.push(chunk.toString()) > 50 && output.shift();
    started.stdout.on('data', keep);
    started.stderr.on('data', keep);
    let exited: number | null = null;
    started.once('exit', (code) => (exited = code ?? -1));
    child = started;
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (exited !== null) {
        const log = await readFile(path.join(options.dir, 'samba.log'), 'utf8').catch(() => '');
        throw new Error(`samba exited with ${exited} while starting:\n${(output.join('') + log).slice(-2000)}`);
      }
      try {
        const client = await dc.adminClient();
        await client.unbind();
        break;
      } catch (error) {
        if (Date.now() > deadline) {
          started.kill('SIGKILL');
          throw new Error(`Samba AD did not answer on ${HOST}:636 within 30 s: ${(error as Error).message}`, { cause: error });
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    log(`Samba AD ${realm} listening on ldap://${HOST}:389 and ldaps://${HOST}:636`);
  };
  const stop = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  await start();
  return { ...dc, start, stop };
}

async function requireSamba(): Promise<void> {
  try {
    await run('samba', ['--version']);
    await run('openssl', ['version']);
  } catch {
    throw new Error(
      `Samba is not installed. Install it with: pnpm directory:install (apt-get install ${SAMBA_PACKAGES.join(' ')} openssl)`,
    );
  }
}

async function provision(dir: string, realm: string, adminPassword: string): Promise<void> {
  const domain = realm.split('.')[0]!;
  await mkdir(dir, { recursive: true });
  await run(
    'samba-tool',
    [
      'domain',
      'provision',
      `--realm=${realm}`,
      `--domain=${domain}`,
      '--server-role=dc',
      '--dns-backend=NONE',
      `--adminpass=${adminPassword}`,
      `--targetdir=${dir}`,
      '--host-name=dc1',
      '--option=interfaces = 127.0.0.1',
      '--option=bind interfaces only = yes',
      '--option=server services = ldap',
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const tls = path.join(dir, 'tls');
  await certificates(tls);
  const conf = path.join(dir, 'etc', 'smb.conf');
  const text = await readFile(conf, 'utf8');
  // Provisioning drops options it does not know as its own: these go into [global] by hand.
  // Simple binds over plain LDAP stay possible (security NONE is for development), LDAPS and
  // StartTLS use our CA's certificate, and Samba's state and logs stay inside `dir`.
  const extra = [
    'ldap server require strong auth = no',
    'tls enabled = yes',
    `tls keyfile = ${path.join(tls, 'key.pem')}`,
    `tls certfile = ${path.join(tls, 'cert.pem')}`,
    `tls cafile = ${path.join(tls, 'ca.pem')}`,
    `log file = ${path.join(dir, 'samba.log')}`,
    `pid directory = ${path.join(dir, 'run')}`,
  ];
  await mkdir(path.join(dir, 'run'), { recursive: true });
  await writeFile(conf, text.replace('[global]', `[global]\n${extra.map((line) => `\t${line}`).join('\n')}`));
}

/** A CA and a server certificate for 127.0.0.1 and localhost, made with openssl. */
async function certificates(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const at = (name: string) => path.join(dir, name);
  await run(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', at('ca.key'), '-out', at('ca.pem')].concat([
      '-days',
      '3650',
      '-subj',
      '/CN=Publishing Platform test directory CA',
    ]),
  );
  await run('openssl', [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    at('key.pem'),
    '-out',
    at('server.csr'),
    '-subj',
    '/CN=localhost',
  ]);
  await writeFile(
    at('server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n',
  );
  await run(
    'openssl',
    ['x509', '-req', '-in', at('server.csr'), '-CA', at('ca.pem'), '-CAkey', at('ca.key'), '-CAcreateserial'].concat([
      '-out',
      at('cert.pem'),
      '-days',
      '3650',
      '-extfile',
      at('server.ext'),
    ]),
  );
}
