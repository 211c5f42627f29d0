import { createRequire } from 'node:module';
import * as middlewareEsm from 'graphql-middleware';
import * as shieldEsm from 'graphql-shield';
import { describe, expect, it } from 'vitest';
import { assertPinnedRuntime, pinnedNodeVersion } from './runtime';

describe('the Node runtime', () => {
  it('runs the specs, and the platform they start in process, on exactly the pinned Node', () => {
    expect(process.version).toBe(`v${pinnedNodeVersion()}`);
  });

  it('refuses to start a service on another major version, saying how to start it right', () => {
    expect(() => assertPinnedRuntime('v20.20.2', '24.21.0')).toThrow(
      /runs on Node 24 \(pinned 24\.21\.0.*started with Node v20\.20\.2; start it through pnpm/,
    );
    expect(() => assertPinnedRuntime('v26.1.0', '24.21.0')).toThrow(/started with Node v26\.1\.0/);
    expect(() => assertPinnedRuntime('v24.3.1', '24.21.0')).not.toThrow();
  });
});

// graphql-shield 7.6.5 imported `isUndefined` from node:util, which Node 23 removed; the patch in
// patches/ replaces it in both of its builds. Its chain and race rules are the code that used it.
describe('graphql-shield on this runtime (patched)', () => {
  // The CommonJS graphql, as @apollo/subgraph builds our schemas with it: one realm for all.
  const require = createRequire(import.meta.url);
  const { buildSchema, graphql } = require('graphql') as typeof import('graphql');
  const schema = buildSchema('type Query { chained: Int, chainedDenied: Int, raced: Int }');

  async function decide(lib: typeof shieldEsm, middleware: typeof middlewareEsm) {
    const rules = lib.shield(
      {
        Query: {
          chained: lib.chain(lib.allow, lib.allow),
          chainedDenied: lib.chain(lib.allow, lib.deny),
          raced: lib.race(lib.deny, lib.allow),
        },
      },
      { fallbackRule: lib.deny },
    );
    const rootValue = { chained: 1, chainedDenied: 2, raced: 3 };
    return graphql({ schema: middleware.applyMiddleware(schema, rules), source: '{ chained chainedDenied raced }', rootValue });
  }

  it('decides chain and race rules through its ES module build', async () => {
    const result = await decide(shieldEsm, middlewareEsm);
    expect(result.data).toEqual({ chained: 1, chainedDenied: null, raced: 3 });
    expect(result.errors?.map((e) => e.path?.join('.'))).toEqual(['chainedDenied']);
  });

  it('decides them through its CommonJS build too', async () => {
    const result = await decide(require('graphql-shield'), require('graphql-middleware'));
    expect(result.data).toEqual({ chained: 1, chainedDenied: null, raced: 3 });
    expect(result.errors?.map((e) => e.path?.join('.'))).toEqual(['chainedDenied']);
  });
});
