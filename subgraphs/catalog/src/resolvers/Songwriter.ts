import type { SongwriterResolvers } from '../generated/resolvers-types';

export const Songwriter: SongwriterResolvers = {
  __resolveReference: ({ id }, ctx) => ctx.loaders.songwriter.load(id),
};
