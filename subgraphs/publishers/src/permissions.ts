import { rule } from 'graphql-shield';
import { can, entitiesRule, forbidden, isMember, unauthenticated, type IRules, type RequestContext } from '@platform/server';

/** A user's memberships elsewhere and their grants are theirs alone to read. */
const isSelf = rule('is-self', { cache: 'strict' })((parent: { id: string }, _args, ctx: RequestContext) => {
  if (!ctx.principal) return unauthenticated();
  return parent.id === ctx.principal.userId || forbidden('Only your own memberships and permissions can be read');
});

/** Anything not named here is denied. */
export const publishersRules: IRules = {
  Query: {
    publishers: isMember,
    publisher: isMember,
    permissionCatalog: isMember,
    members: can('member:read'),
    member: can('member:read'),
    roles: can('member:read'),
    explainAccess: can('member:read'),
    invitations: can('member:invite'),
    auditLog: can('audit:read'),
    _entities: entitiesRule({ Publisher: 'member', User: 'member' }),
  },
  Mutation: {
    inviteMember: can('member:invite'),
    revokeInvitation: can('member:invite'),
    changeMemberRoles: can('member:manage'),
    suspendMember: can('member:manage'),
    reinstateMember: can('member:manage'),
    removeMember: can('member:manage'),
    revokeMemberSessions: can('member:manage'),
    createRole: can('role:manage'),
    updateRole: can('role:manage'),
    deleteRole: can('role:manage'),
    updatePublisher: can('publisher:manage'),
    updateBilling: can('billing:manage'),
  },
  Publisher: { '*': isMember, settings: can('publisher:manage'), account: can('billing:read') },
  Account: can('billing:read'),
  Membership: isMember,
  Role: isMember,
  Permission: isMember,
  Member: can('member:read'),
  Invitation: can('member:invite'),
  AccessExplanation: can('member:read'),
  AuditEntry: can('audit:read'),
  AuditEntryConnection: can('audit:read'),
  AuditEntryEdge: can('audit:read'),
  PageInfo: isMember,
  User: { id: isMember, memberships: isSelf, permissions: isSelf },
};
