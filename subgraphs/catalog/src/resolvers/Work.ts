import type { WorkResolvers } from '../generated/resolvers-types';

export const Work: WorkResolvers = {
  __resolveReference: ({ id }, ctx) => ctx.loaders.work.load(id),
  publisher: (work) => ({ id: work.publisherId }),
  createdBy: (work) => (work.createdBy ? { id: work.createdBy } : null),
  writers: (work, _, ctx) => ctx.loaders.writersOfWork.load(work.id),
};
