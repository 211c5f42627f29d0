import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'src/schema.graphql',
  generates: {
    'src/generated/resolvers-types.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        federation: true,
        useTypeImports: true,
        contextType: '../context#PublishersContext',
        mappers: {
          Publisher: '../models#PublisherModel',
          Membership: '../models#MembershipModel',
          Role: '../models#RoleModel',
          User: '../models#UserModel',
        },
        enumsAsTypes: true,
      },
    },
  },
};
export default config;
