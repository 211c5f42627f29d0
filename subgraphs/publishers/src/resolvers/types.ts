import type { AuditEntryResolvers, MemberResolvers, PublisherResolvers, RoleResolvers, UserResolvers } from '../generated/resolvers-types';
import { membershipsOfCaller } from '../services/publishers';
import { accountOfPublisher, requireActivePublisher } from '../services/publisher-settings';

export const Publisher: PublisherResolvers = {
  __resolveReference: ({ id }, ctx) => ctx.loaders.publisher.load(id),
  account: (publisher, _, ctx) => accountOfPublisher(ctx, publisher.id),
  settings: (publisher, _, ctx) => {
    requireActivePublisher(ctx, publisher.id);
    return publisher.settings;
  },
};

export const User: UserResolvers = {
  // Any id resolves: the fields below are readable only on the caller.
  __resolveReference: ({ id }) => ({ id }),
  memberships: (_, __, ctx) => membershipsOfCaller(ctx),
  permissions: (_, __, ctx) => [...ctx.permissions].sort(),
};

export const Role: RoleResolvers = {
  permissions: (role) => (role.permissions ?? []).map((p) => p.permissionKey),
};

export const Member: MemberResolvers = {
  user: (member) => ({ id: member.userId }),
};

export const AuditEntry: AuditEntryResolvers = {
  actor: (entry) => (entry.actorUserId ? { id: entry.actorUserId } : null),
};
