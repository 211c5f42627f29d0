import type { QueryResolvers } from '../generated/resolvers-types';
import { sessionsOfCaller } from '../services/sessions';

export const Query: QueryResolvers = {
  me: (_, __, ctx) => (ctx.principal ? ctx.loaders.user.load(ctx.principal.userId) : null),
  mySessions: (_, __, ctx) => sessionsOfCaller(ctx),
};
