import { PERMISSIONS, scopeOf } from '@platform/permissions';
import type { QueryResolvers } from '../generated/resolvers-types';
import { auditLog } from '../audit/audit-log';
import { accountOfActivePublisher } from '../billing/account';
import { plansForAccount } from '../billing/plans';
import { openInvitations } from '../invitations/invitations';
import { explainAccess } from '../members/access-explanation';
import { accountAdministrators } from '../members/account-roles';
import { usageReport } from '../usage/api-usage';
import { memberOfPublisher, membersOfPublisher } from '../members/members';
import { findPublisher, publishersOfCaller } from '../publishers/publishers';
import { rolesOfPublisher } from '../roles/roles';
import { platformAuditLog } from '../platform/platform-audit';
import { platformAccounts, platformPublishers } from '../platform/platform-publishers';
import { supportAccessOf, supportAccessRequests } from '../support/support-access';
import { offboardingOf } from '../platform/offboarding';

export const Query: QueryResolvers = {
  publishers: (_, __, ctx) => ctx.act((tx, actor) => publishersOfCaller(tx, actor)),
  publisher: (_, args, ctx) => ctx.act((tx, actor) => findPublisher(tx, actor, args)),
  // What roles in a publisher may grant; platform permissions are held through platform roles only.
  permissionCatalog: () =>
    PERMISSIONS.filter((p) => scopeOf(p) === 'PUBLISHER').map((p) => ({
      ...p,
      dependsOn: [...p.dependsOn],
      escalationWarning: 'escalationWarning' in p ? p.escalationWarning : null,
    })),
  members: (_, __, ctx) => ctx.act((tx, actor) => membersOfPublisher(tx, actor)),
  member: (_, { userId }, ctx) => ctx.act((tx, actor) => memberOfPublisher(tx, actor, userId)),
  roles: (_, __, ctx) => ctx.act((tx, actor) => rolesOfPublisher(tx, actor)),
  invitations: (_, __, ctx) => ctx.act((tx, actor) => openInvitations(tx, actor)),
  explainAccess: (_, { userId, permission }, ctx) => ctx.act((tx, actor) => explainAccess(tx, actor, userId, permission)),
  auditLog: (_, args, ctx) => ctx.act((tx, actor) => auditLog(tx, actor, args)),
  usage: (_, args, ctx) => ctx.act((tx, actor) => usageReport(tx, actor, args)),
  account: (_, __, ctx) => ctx.act((tx, actor) => accountOfActivePublisher(tx, actor)),
  accountAdministrators: (_, __, ctx) => ctx.act((tx, actor) => accountAdministrators(tx, actor)),
  plans: (_, __, ctx) => ctx.act((tx, actor) => plansForAccount(tx, actor)),
  platformPublishers: (_, args, ctx) => ctx.operate((tx) => platformPublishers(tx, args)),
  platformAccounts: (_, args, ctx) => ctx.operate((tx) => platformAccounts(tx, args)),
  platformAuditLog: (_, args, ctx) => ctx.operate((tx) => platformAuditLog(tx, args)),
  supportAccessRequests: (_, { status }, ctx) => ctx.act((tx, actor) => supportAccessRequests(tx, actor, status)),
  mySupportAccess: (_, __, ctx) => ctx.operate((tx, operator) => supportAccessOf(tx, operator)),
  offboarding: (_, { publisherId }, ctx) => ctx.operate((tx) => offboardingOf(tx, publisherId)),
};
