import type { MutationResolvers } from '../generated/resolvers-types';
import { createWork, deleteWork, updateWork } from '../services/works';

export const Mutation: MutationResolvers = {
  createWork: (_, { input }, ctx) => createWork(ctx, input),
  updateWork: (_, { id, input }, ctx) => updateWork(ctx, id, input),
  deleteWork: (_, { id }, ctx) => deleteWork(ctx, id),
};
