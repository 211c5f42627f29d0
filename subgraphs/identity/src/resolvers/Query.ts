import { actorOf, requireSession } from '@platform/access';
import type { QueryResolvers } from '../generated/resolvers-types';
import { directoryOf } from '../directory/directory-settings';
import { partnerClientsOf } from '../partners/partner-clients';
import { persistedQueriesInForce } from '../partners/persisted-queries';
import { securityOverviewOf } from '../security/security-overview';
import { sessionsOfCaller } from '../sessions/sessions';

export const Query: QueryResolvers = {
  me: (_, __, ctx) => {
    const caller = ctx.principal ?? ctx.operator;
    return caller ? ctx.loaders.user.load(caller.userId) : null;
  },
  mySessions: (_, __, ctx) => sessionsOfCaller(ctx.services.db, requireSession(ctx)),
  directory: (_, __, ctx) => ctx.act((tx, actor) => directoryOf(tx, actor.publisherId)),
  partnerClients: (_, __, ctx) => ctx.act((tx, actor) => partnerClientsOf(tx, actor)),
  persistedQueries: (_, __, ctx) => ctx.act((tx, actor) => persistedQueriesInForce(tx, actor.publisherId)),
  securityOverview: (_, { from, to }, ctx) => securityOverviewOf(actorOf(ctx), from, to),
};
