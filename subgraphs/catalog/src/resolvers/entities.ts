import type { RecordingResolvers, SongwriterResolvers } from '../generated/resolvers-types';

export const Songwriter: SongwriterResolvers = {
  __resolveReference: ({ id }, ctx) => ctx.loaders.songwriter.load(id),
};

export const Recording: RecordingResolvers = {
  __resolveReference: ({ id }, ctx) => ctx.loaders.recording.load(id),
};
