import type { UserResolvers } from '../generated/resolvers-types';

export const User: UserResolvers = {
  __resolveReference: ({ id }, ctx) => ctx.loaders.user.load(id),
};
