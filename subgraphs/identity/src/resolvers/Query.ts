import { requirePrincipal } from '@platform/access';
import type { QueryResolvers } from '../generated/resolvers-types';
import { sessionsOfCaller } from '../sessions/sessions';

export const Query: QueryResolvers = {
  me: (_, __, ctx) => (ctx.principal ? ctx.loaders.user.load(ctx.principal.userId) : null),
  mySessions: (_, __, ctx) => sessionsOfCaller(ctx.services.db, requirePrincipal(ctx)),
};
