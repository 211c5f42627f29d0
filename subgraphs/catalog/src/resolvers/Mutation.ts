import type { MutationResolvers } from '../generated/resolvers-types';
import { createRecording, deleteRecording, updateRecording } from '../services/recordings';
import { createSongwriter, deleteSongwriter, updateSongwriter } from '../services/songwriters';
import { createWork, deleteWork, updateWork } from '../services/works';

export const Mutation: MutationResolvers = {
  createWork: (_, { input }, ctx) => createWork(ctx, input),
  updateWork: (_, { id, input }, ctx) => updateWork(ctx, id, input),
  deleteWork: (_, { id }, ctx) => deleteWork(ctx, id),
  createSongwriter: (_, { input }, ctx) => createSongwriter(ctx, input),
  updateSongwriter: (_, { id, input }, ctx) => updateSongwriter(ctx, id, input),
  deleteSongwriter: (_, { id }, ctx) => deleteSongwriter(ctx, id),
  createRecording: (_, { input }, ctx) => createRecording(ctx, input),
  updateRecording: (_, { id, input }, ctx) => updateRecording(ctx, id, input),
  deleteRecording: (_, { id }, ctx) => deleteRecording(ctx, id),
};
