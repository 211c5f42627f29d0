import type { WorkResolvers } from '../generated/resolvers-types';

export const Work: WorkResolvers = {
  __resolveReference: ({ id }, ctx) => ctx.loaders.work.load(id),
  publisher: (work) => ({ id: work.publisherId }),
  createdBy: (work) => (work.createdBy ? { id: work.createdBy } : null),
  writers: (work, _, ctx) => ctx.loaders.writersOfWork.load(work.id),
  controlled: async (work, _, ctx) => (await ctx.loaders.writersOfWork.load(work.id)).some((line) => line.controlled),
  recordings: (work, _, ctx) => ctx.loaders.recordingsOfWork.load(work.id),
  // An original the caller cannot see (another writer's, for a client) is as absent as a deleted one.
  originalWork: (work, _, ctx) => (work.originalWorkId ? ctx.loaders.work.load(work.originalWorkId) : null),
};
