import { subgraphCodegen } from '@platform/graphql-edge/codegen';

const model = (name: string) => `../models#${name}Model`;
export default subgraphCodegen({
  context: '../context#CatalogContext',
  scalars: { Decimal: { input: 'string', output: 'string' }, Date: 'Date' },
  mappers: Object.fromEntries(
    [
      'Work',
      'Songwriter',
      'Recording',
      'WorkWriter',
      'WorkConnection',
      'WorkEdge',
      'SongwriterConnection',
      'SongwriterEdge',
      'RecordingConnection',
      'RecordingEdge',
    ].map((t) => [t, model(t)]),
  ),
});
