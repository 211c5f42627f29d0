import { requirePrincipal } from '@platform/access';
import type { QueryResolvers } from '../generated/resolvers-types';
import { directoryOf } from '../directory/directory-settings';
import { sessionsOfCaller } from '../sessions/sessions';

export const Query: QueryResolvers = {
  me: (_, __, ctx) => (ctx.principal ? ctx.loaders.user.load(ctx.principal.userId) : null),
  mySessions: (_, __, ctx) => sessionsOfCaller(ctx.services.db, requirePrincipal(ctx)),
  directory: (_, __, ctx) => ctx.act((tx, actor) => directoryOf(tx, actor.publisherId)),
};
