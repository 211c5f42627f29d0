import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCatalog } from '@platform/catalog/start';
import { DEMO_PASSWORD } from '@platform/demo-data';
import { startGatewayService } from '@platform/gateway';
import { graphql, login, serviceConfigForTests, type Session } from '@platform/testing';

/**
 * DataLoader everywhere: a page of works with their writers, songwriters, recordings, original
 * and creator costs the catalog the same number of SQL statements for 10 works as for 100. The
 * catalog here is one of this spec's own, whose every statement is counted; identity and
 * publishers are the suite's.
 */
let catalog: { url: string; close(): Promise<void> };
let gateway: { url: string; close(): Promise<void> };
let dataDir: string;
let owner: Session;
const statements: string[] = [];
const CATALOG_TABLE = /\b(works|work_writers|songwriters|recordings|work_recordings)\b/;

const PAGE = `query Page($first: Int!, $after: String) {
  works(first: $first, after: $after) {
    totalCount
    edges { node {
      id title iswc alternateTitles language versionType controlled createdAt
      originalWork { id title }
      createdBy { id email }
      writers { role share controlled songwriter { id name ipiNameNumber society { name } } }
      recordings { id isrc artist }
    } }
  }
}`;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'catalog-statements-'));
  const identity = inject('identityUrl');
  const config = serviceConfigForTests({
    databaseUrl: inject('apiUrl'),
    dataDir,
    jwksUrl: identity.replace(/\/graphql$/, '/.well-known/jwks.json'),
  });
  catalog = await startCatalog(config, 0, { onQuery: (sql) => statements.push(sql) });
  gateway = await startGatewayService(config, 0, {
    identity,
    publishers: inject('publishersUrl'),
    catalog: `${catalog.url}/graphql`,
  });
  owner = await login(`${gateway.url}/graphql`, 'owner@spirit.demo', DEMO_PASSWORD);
});

afterAll(async () => {
  await gateway?.close();
  await catalog?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function statementsFor(
  first: number,
  after: string | null = null,
): Promise<{ count: number; all: number; works: number; recordings: number; writers: number; originals: number }> {
  statements.length = 0;
  const response = await graphql(`${gateway.url}/graphql`, PAGE, { first, after }, { token: owner.token });
  expect(response.errors).toBeUndefined();
  const nodes = response.data.works.edges.map((e: any) => e.node);
  return {
    // What reads the catalog; the rest frames each transaction (its scope, COMMIT) or checks the caller's session.
    count: statements.filter((sql) => CATALOG_TABLE.test(sql) && !sql.includes('set_config')).length,
    all: statements.length,
    works: nodes.length,
    recordings: nodes.reduce((n: number, w: any) => n + w.recordings.length, 0),
    writers: nodes.reduce((n: number, w: any) => n + w.writers.length, 0),
    originals: nodes.filter((w: any) => w.originalWork).length,
  };
}

describe('a page of works with everything on it', () => {
  it('costs the same number of SQL statements for 10 works as for 100', async () => {
    // The page of 10 is taken where it holds a modification too, so both pages load every kind
    // of thing (a loader that is not needed sends nothing). The first request also loads the
    // caller's access; only the pages after it are counted.
    const list = await graphql(
      `${gateway.url}/graphql`,
      `
        {
          works(first: 100) {
            edges {
              cursor
              node {
                versionType
              }
            }
          }
        }
      `,
      {},
      { token: owner.token },
    );
    const edges = list.data.works.edges;
    const modification = edges.findIndex((e: any) => e.node.versionType === 'MODIFICATION');
    expect(modification).toBeGreaterThan(0);
    const ten = await statementsFor(10, edges[Math.max(0, modification - 5)].cursor);
    const hundred = await statementsFor(100);
    console.log(
      `statements reading the catalog (of all sent): ${ten.count} (${ten.all}) for 10 works (${ten.writers} writer lines, ${ten.recordings} recordings, ${ten.originals} originals), ` +
        `${hundred.count} (${hundred.all}) for 100 works (${hundred.writers} writer lines, ${hundred.recordings} recordings, ${hundred.originals} originals)`,
    );
    expect(ten.works).toBe(10);
    expect(hundred.works).toBe(100);
    // The page had something to load: writers on every work, recordings on half of them.
    expect(hundred.writers).toBeGreaterThan(100);
    expect(hundred.recordings).toBeGreaterThan(10);
    expect(ten.originals).toBeGreaterThan(0);
    expect(ten.recordings).toBeGreaterThan(0);
    expect(hundred.count).toBe(ten.count);
    // The page with its count and writer lines, songwriters, recording links and recordings, originals.
    expect(hundred.count).toBe(5);
    // All of it in one read transaction (BEGIN, the scope, the five, COMMIT), and at most a
    // transaction of four for the caller's access when this instance's 500 ms cache has lapsed.
    expect(hundred.all).toBeLessThanOrEqual(12);
  });

  it('gives the writer lines the page carries exactly as the loader gives them work by work', async () => {
    const lines = `writers { role share controlled songwriter { id } }`;
    const page = await graphql(
      `${gateway.url}/graphql`,
      `{ works(first: 15) { edges { node { id ${lines} } } } }`,
      {},
      { token: owner.token },
    );
    const nodes: { id: string; writers: unknown[] }[] = page.data.works.edges.map((e: any) => e.node);
    // Each work through `work(id:)` (15: the gateway's limit of aliases): the writers loader's own statement.
    const one = await graphql(
      `${gateway.url}/graphql`,
      `{ ${nodes.map((n, i) => `w${i}: work(id: "${n.id}") { ${lines} }`).join(' ')} }`,
      {},
      { token: owner.token },
    );
    expect(one.errors).toBeUndefined();
    expect(nodes.map((_, i) => one.data[`w${i}`].writers)).toEqual(nodes.map((n) => n.writers));
    // Several lines with unequal shares, so that the order was put to the test.
    expect(nodes.filter((n) => n.writers.length > 1).length).toBeGreaterThan(3);
  });
});
