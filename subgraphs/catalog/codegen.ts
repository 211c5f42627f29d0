import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'src/schema.graphql',
  generates: {
    'src/generated/resolvers-types.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        federation: true,
        useTypeImports: true,
        contextType: '../context#CatalogContext',
        mappers: {
          Work: '../models#WorkModel',
          Songwriter: '../models#SongwriterModel',
          Recording: '../models#RecordingModel',
          WorkWriter: '../models#WorkWriterModel',
          WorkConnection: '../models#WorkConnectionModel',
          WorkEdge: '../models#WorkEdgeModel',
          SongwriterConnection: '../models#SongwriterConnectionModel',
          SongwriterEdge: '../models#SongwriterEdgeModel',
          RecordingConnection: '../models#RecordingConnectionModel',
          RecordingEdge: '../models#RecordingEdgeModel',
        },
        scalars: { DateTime: 'Date' },
        enumsAsTypes: true,
      },
    },
  },
};
export default config;
