import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'src/schema.graphql',
  generates: {
    'src/generated/resolvers-types.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        federation: true,
        useTypeImports: true,
        contextType: '../context#IdentityContext',
        mappers: {
          User: '../models#UserModel',
          Publisher: '../models#PublisherModel',
          AuthPayload: '../models#AuthPayloadModel',
        },
        scalars: { DateTime: 'Date' },
        enumsAsTypes: true,
      },
    },
  },
};
export default config;
