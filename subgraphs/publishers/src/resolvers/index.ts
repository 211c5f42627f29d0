import type { Resolvers } from '../generated/resolvers-types';
import { findPublisher, membershipsOfCaller, publishersOfCaller } from '../services/publishers';

export const resolvers: Resolvers = {
  Query: {
    publishers: (_, __, ctx) => publishersOfCaller(ctx),
    publisher: (_, args, ctx) => findPublisher(ctx, args),
  },
  Publisher: {
    __resolveReference: ({ id }, ctx) => ctx.loaders.publisher.load(id),
  },
  User: {
    // Any id resolves: the fields below are readable only on the caller.
    __resolveReference: ({ id }) => ({ id }),
    memberships: (_, __, ctx) => membershipsOfCaller(ctx),
    permissions: (_, __, ctx) => [...ctx.permissions].sort(),
  },
};
