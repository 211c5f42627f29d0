import type { MutationResolvers } from '../generated/resolvers-types';
import { inviteMember, revokeInvitation } from '../services/invitations';
import { changeMemberRoles, reinstateMember, removeMember, revokeMemberSessions, suspendMember } from '../services/members';
import { updateBilling, updatePublisher } from '../services/publisher-settings';
import { createRole, deleteRole, updateRole } from '../services/roles';

export const Mutation: MutationResolvers = {
  inviteMember: (_, { input }, ctx) => inviteMember(ctx, ctx.invitations, input),
  revokeInvitation: (_, { id }, ctx) => revokeInvitation(ctx, id),
  changeMemberRoles: (_, { userId, roles }, ctx) => changeMemberRoles(ctx, userId, roles),
  suspendMember: (_, { userId }, ctx) => suspendMember(ctx, userId),
  reinstateMember: (_, { userId }, ctx) => reinstateMember(ctx, userId),
  removeMember: (_, { userId }, ctx) => removeMember(ctx, userId),
  revokeMemberSessions: (_, { userId }, ctx) => revokeMemberSessions(ctx, userId),
  createRole: (_, { input }, ctx) => createRole(ctx, input),
  updateRole: (_, { key, input }, ctx) => updateRole(ctx, key, input),
  deleteRole: (_, { key }, ctx) => deleteRole(ctx, key),
  updatePublisher: (_, { input }, ctx) => updatePublisher(ctx, input),
  updateBilling: (_, { input }, ctx) => updateBilling(ctx, input),
};
