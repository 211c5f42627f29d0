import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * The GraphQL Code Generator setup every subgraph shares: resolver types from the subgraph's SDL
 * (federation-aware), so a schema change that breaks a resolver breaks the type check.
 * `context` and `mappers` point into the subgraph's own src/ ('../context#…', '../models#…').
 */
export function subgraphCodegen(options: {
  context: string;
  mappers: Record<string, string>;
  /** The subgraph's own scalars: GraphQL name → TypeScript type. */
  scalars?: Record<string, string | { input: string; output: string }>;
}): CodegenConfig {
  return {
    schema: 'src/schema.graphql',
    generates: {
      'src/generated/resolvers-types.ts': {
        plugins: ['typescript', 'typescript-resolvers'],
        config: {
          federation: true,
          useTypeImports: true,
          contextType: options.context,
          mappers: options.mappers,
          scalars: { DateTime: 'Date', JSON: 'unknown', ...options.scalars },
          enumsAsTypes: true,
        },
      },
    },
  };
}
