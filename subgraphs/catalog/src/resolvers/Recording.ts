import type { RecordingResolvers } from '../generated/resolvers-types';

export const Recording: RecordingResolvers = {
  __resolveReference: ({ id }, ctx) => ctx.loaders.recording.load(id),
  works: (recording, _, ctx) => ctx.loaders.worksOfRecording.load(recording.id),
};
