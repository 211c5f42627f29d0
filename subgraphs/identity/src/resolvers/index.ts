import { DateTimeScalar } from '@platform/server';
import type { Resolvers } from '../generated/resolvers-types';
import { login } from '../services/login';

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    me: (_, __, ctx) => (ctx.principal ? ctx.loaders.user.load(ctx.principal.userId) : null),
  },
  Mutation: {
    login: (_, { input }, ctx) => login(ctx, input),
  },
  User: {
    __resolveReference: ({ id }, ctx) => ctx.loaders.user.load(id),
  },
};
