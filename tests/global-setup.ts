import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { createDemoDatabase, startPlatform, startTestCluster } from '@platform/testing';

declare module 'vitest' {
  export interface ProvidedContext {
    gatewayUrl: string;
    identityUrl: string;
    publishersUrl: string;
    catalogUrl: string;
    apiUrl: string;
    ownerUrl: string;
    adminUrl: string;
    clusterAdminUrl: string;
  }
}

/** A real PostgreSQL with the demo world, and the four services in front of it. */
export default async function setup(project: TestProject) {
  const started = performance.now();
  const cluster = await startTestCluster();
  const urls = await createDemoDatabase(cluster.adminUrl, 'publishing');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'platform-data-'));
  const platform = await startPlatform({ apiUrl: urls.apiUrl, dataDir });
  project.provide('gatewayUrl', platform.gatewayUrl);
  project.provide('identityUrl', platform.identityUrl);
  project.provide('publishersUrl', platform.publishersUrl);
  project.provide('catalogUrl', platform.catalogUrl);
  project.provide('apiUrl', urls.apiUrl);
  project.provide('ownerUrl', urls.ownerUrl);
  project.provide('adminUrl', urls.adminUrl);
  project.provide('clusterAdminUrl', cluster.adminUrl);
  console.log(`test platform ready in ${Math.round(performance.now() - started)} ms (PostgreSQL on port ${cluster.port})`);
  return async () => {
    await platform.stop();
    await cluster.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
