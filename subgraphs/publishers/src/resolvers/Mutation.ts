import { actorOf } from '@platform/access';
import type { MutationResolvers } from '../generated/resolvers-types';
import { changePlan, updateBilling } from '../billing/account';
import { inviteMember, revokeInvitation } from '../invitations/invitations';
import { grantAccountRole, revokeAccountRole } from '../members/account-roles';
import { changeMemberRoles, reinstateMember, removeMember, revokeMemberSessions, suspendMember } from '../members/members';
import { updatePublisher } from '../publishers/publishers';
import { createRole, deleteRole, updateRole } from '../roles/roles';

export const Mutation: MutationResolvers = {
  inviteMember: (_, { input }, ctx) => inviteMember(ctx.inScope, actorOf(ctx), input, ctx.invitations),
  revokeInvitation: (_, { id }, ctx) => ctx.act((tx, actor) => revokeInvitation(tx, actor, id)),
  changeMemberRoles: (_, { userId, roles }, ctx) => ctx.act((tx, actor) => changeMemberRoles(tx, actor, userId, roles)),
  suspendMember: (_, { userId }, ctx) => ctx.act((tx, actor) => suspendMember(tx, actor, userId)),
  reinstateMember: (_, { userId }, ctx) => ctx.act((tx, actor) => reinstateMember(tx, actor, userId)),
  removeMember: (_, { userId }, ctx) => ctx.act((tx, actor) => removeMember(tx, actor, userId)),
  revokeMemberSessions: (_, { userId }, ctx) => ctx.act((tx, actor) => revokeMemberSessions(tx, actor, userId)),
  createRole: (_, { input }, ctx) => ctx.act((tx, actor) => createRole(tx, actor, input)),
  updateRole: (_, { key, input }, ctx) => ctx.act((tx, actor) => updateRole(tx, actor, key, input)),
  deleteRole: (_, { key }, ctx) => ctx.act((tx, actor) => deleteRole(tx, actor, key)),
  updatePublisher: (_, { input }, ctx) => ctx.act((tx, actor) => updatePublisher(tx, actor, input)),
  updateBilling: (_, { input }, ctx) => ctx.act((tx, actor) => updateBilling(tx, actor, input)),
  changePlan: (_, { plan }, ctx) => ctx.act((tx, actor) => changePlan(tx, actor, plan)),
  grantAccountRole: (_, { email, role }, ctx) => ctx.act((tx, actor) => grantAccountRole(tx, actor, email, role)),
  revokeAccountRole: (_, { userId }, ctx) => ctx.act((tx, actor) => revokeAccountRole(tx, actor, userId)),
};
