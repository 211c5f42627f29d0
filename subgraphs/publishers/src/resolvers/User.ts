import type { UserResolvers } from '../generated/resolvers-types';
import { membershipsOfCaller } from '../publishers/publishers';

export const User: UserResolvers = {
  // Any id resolves: the fields below are readable only on the caller.
  __resolveReference: ({ id }) => ({ id }),
  memberships: (_, __, ctx) => ctx.act((tx, actor) => membershipsOfCaller(tx, actor)),
  permissions: (_, __, ctx) => [...ctx.permissions].sort(),
};
