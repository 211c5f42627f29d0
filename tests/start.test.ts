import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '@platform/demo-data';
import { majorOf, pinnedNodeVersion } from '@platform/service';
import { freePort, graphql, login } from '@platform/testing';

/** `pnpm start` as a person runs it: the supervisor, its four processes and embedded PostgreSQL. */

const root = fileURLToPath(new URL('..', import.meta.url));
let dataDir: string;
let env: NodeJS.ProcessEnv;
let gatewayPort: number;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'platform-start-'));
  const [pgPort, gateway, identity, publishers, catalog] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  gatewayPort = gateway;
  env = {
    ...process.env,
    NODE_ENV: 'development',
    DATA_DIR: dataDir,
    EMBEDDED_POSTGRES_PORT: String(pgPort),
    GATEWAY_PORT: String(gateway),
    IDENTITY_PORT: String(identity),
    PUBLISHERS_PORT: String(publishers),
    CATALOG_PORT: String(catalog),
  };
  delete env.DATABASE_URL;
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** Starts the supervisor in its own process group, as a terminal would, and waits until ready. */
async function start(): Promise<{ output: () => string; interrupt: () => Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: root,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes('Press Ctrl-C to stop.')) {
        clearInterval(timer);
        resolve();
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`pnpm start exited early:\n${output}`));
      }
    }, 100);
  });
  return {
    output: () => output,
    interrupt: async () => {
      process.kill(-child.pid!, 'SIGINT'); // Ctrl-C reaches the whole process group
      return exited;
    },
  };
}

describe('pnpm start', () => {
  it('starts everything on embedded defaults, serves the demo world, and stops it all on Ctrl-C', async () => {
    const platform = await start();
    const seconds = Number(/ready in ([\d.]+) s/.exec(platform.output())?.[1]);
    console.log(`pnpm start (fresh data folder) ready in ${seconds} s`);
    expect(platform.output()).toContain('demo data: catalog 4/4 spirit: 250 works created');
    expect(platform.output()).toContain(`password: ${DEMO_PASSWORD}`);
    // Every process runs on the Node the workspace pins, not on whatever the machine has.
    const pinnedMajor = majorOf(pinnedNodeVersion());
    for (const service of ['identity', 'publishers', 'catalog', 'gateway']) {
      expect(platform.output()).toMatch(new RegExp(`\\[${service}\\] listening on \\S+ \\(Node v${pinnedMajor}\\.`));
    }

    const url = `http://127.0.0.1:${gatewayPort}/graphql`;
    const spirit = await login(url, 'owner@spirit.demo', DEMO_PASSWORD);
    const works = await graphql(
      url,
      `
        {
          works(first: 5) {
            totalCount
            edges {
              node {
                publisher {
                  slug
                }
              }
            }
          }
        }
      `,
      {},
      { token: spirit.token },
    );
    expect(works.data.works.totalCount).toBe(250);

    expect(await platform.interrupt()).toBe(0);
    expect(platform.output()).toContain('[platform] stopped');
    await expect(fetch(url)).rejects.toThrow();
  });

  it('starts again on the same data without loading the demo world twice', async () => {
    const platform = await start();
    expect(platform.output()).toContain('nothing to migrate');
    expect(platform.output()).toContain('demo data: catalog 4/4 spirit: already present');
    const url = `http://127.0.0.1:${gatewayPort}/graphql`;
    const spirit = await login(url, 'owner@spirit.demo', DEMO_PASSWORD);
    const works = await graphql(
      url,
      `
        {
          works(first: 1) {
            totalCount
          }
        }
      `,
      {},
      { token: spirit.token },
    );
    expect(works.data.works.totalCount).toBe(250);
    expect(await platform.interrupt()).toBe(0);
  });
});
