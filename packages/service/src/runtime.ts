import { readFileSync } from 'node:fs';
import { ConfigurationError } from './config';

/** The workspace root's package.json, whose `node` devDependency pins the runtime every script uses. */
const ROOT_MANIFEST = new URL('../../../package.json', import.meta.url);

/** The Node.js version pinned for the whole workspace (`devDependencies.node`, e.g. "24.21.0"). */
export function pinnedNodeVersion(): string {
  const manifest = JSON.parse(readFileSync(ROOT_MANIFEST, 'utf8')) as { devDependencies?: Record<string, string> };
  const version = manifest.devDependencies?.node;
  if (!version || !/^\d+\.\d+\.\d+$/.test(version)) throw new Error('the root package.json pins no exact "node" devDependency');
  return version;
}

/** 24 for "v24.21.0" or "24.21.0". */
export const majorOf = (version: string) => Number(/^v?(\d+)\./.exec(version)?.[1]);

/**
 * Refuses to run a service on another major version than the pinned one. Our dependencies are
 * chosen for that major (graphql-shield is patched for it; several pins need it), so a service
 * started with the machine's own Node by mistake fails with a line that says how to fix it,
 * instead of working differently from what the tests ran on.
 */
export function assertPinnedRuntime(running: string = process.version, pinned: string = pinnedNodeVersion()): void {
  if (majorOf(running) === majorOf(pinned)) return;
  throw new ConfigurationError(
    `this service runs on Node ${majorOf(pinned)} (pinned ${pinned} in package.json) but was started with Node ${running}; ` +
      'start it through pnpm (pnpm start, pnpm --filter <service> start), which puts the pinned Node first on PATH, or install Node ' +
      `${majorOf(pinned)}`,
  );
}
