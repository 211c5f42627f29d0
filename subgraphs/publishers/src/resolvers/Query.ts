import { PERMISSIONS } from '@platform/permissions';
import type { QueryResolvers } from '../generated/resolvers-types';
import { explainAccess } from '../services/access-explanation';
import { auditLog } from '../services/audit-log';
import { openInvitations } from '../services/invitations';
import { memberOfPublisher, membersOfPublisher } from '../services/members';
import { findPublisher, publishersOfCaller } from '../services/publishers';
import { rolesOfPublisher } from '../services/roles';

export const Query: QueryResolvers = {
  publishers: (_, __, ctx) => publishersOfCaller(ctx),
  publisher: (_, args, ctx) => findPublisher(ctx, args),
  permissionCatalog: () =>
    PERMISSIONS.map((p) => ({
      ...p,
      dependsOn: [...p.dependsOn],
      escalationWarning: 'escalationWarning' in p ? p.escalationWarning : null,
    })),
  members: (_, __, ctx) => membersOfPublisher(ctx),
  member: (_, { userId }, ctx) => memberOfPublisher(ctx, userId),
  roles: (_, __, ctx) => rolesOfPublisher(ctx),
  invitations: (_, __, ctx) => openInvitations(ctx),
  explainAccess: (_, { userId, permission }, ctx) => explainAccess(ctx, userId, permission),
  auditLog: (_, args, ctx) => auditLog(ctx, args),
};
