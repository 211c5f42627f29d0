import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Types for the specs' named operations (documents marked `/* GraphQL *\/`), checked against the
 * composed supergraph: a field renamed in a subgraph fails the specs' typecheck, not their run.
 */
const config: CodegenConfig = {
  schema: '../gateway/supergraph.graphql',
  documents: ['./*.test.ts'],
  // Most specs still send untyped inline documents; only marked, named operations are typed.
  ignoreNoDocuments: true,
  // Only documents marked /* GraphQL */: the specs' `graphql(url, …)` helper is not a tag.
  pluckConfig: { globalGqlIdentifierName: [], modules: [], gqlMagicComment: 'GraphQL' },
  generates: {
    'generated/operations.ts': {
      plugins: ['typescript-operations'],
      config: {
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: true, defaultValue: false },
        scalars: { DateTime: 'string', JSON: 'unknown' },
      },
    },
  },
};
export default config;
