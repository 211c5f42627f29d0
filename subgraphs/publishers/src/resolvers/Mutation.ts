import { actorOf, operatorOf } from '@platform/access';
import type { MutationResolvers } from '../generated/resolvers-types';
import { changePlan, updateBilling } from '../billing/account';
import { inviteMember, revokeInvitation } from '../invitations/invitations';
import { grantAccountRole, revokeAccountRole } from '../members/account-roles';
import { changeMemberRoles, reinstateMember, removeMember, revokeMemberSessions, suspendMember } from '../members/members';
import { updatePublisher } from '../publishers/publishers';
import { createRole, deleteRole, updateRole } from '../roles/roles';
import { changePublisherType, reactivatePublisher, setSubscriptionStatus, suspendPublisher } from '../platform/lifecycle';
import { createAccount, createPublisher, inviteFirstOwner } from '../platform/onboarding';
import { platformPublisher } from '../platform/platform-publishers';
import { offboardPublisher, startOffboarding } from '../platform/offboarding';
import {
  approveSupportAccess,
  breakGlass,
  denySupportAccess,
  mailApprovers,
  mailOperator,
  requestSupportAccess,
  revokeSupportAccess,
  type SupportAccessAsked,
  type SupportAccessModel,
} from '../support/support-access';
import type { PublishersContext } from '../context';

/** An operator's act on a publisher, answered with the publisher as operators see it afterwards. */
async function thenPublisher(ctx: PublishersContext, act: Promise<{ id: string }>) {
  const { id } = await act;
  // A fresh platform transaction: the act's own ended inside the publisher.
  return ctx.operate((tx) => platformPublisher(tx, id));
}

/** An operator's request or break-glass access, told to the publisher's approvers once it is committed. */
async function thenTellApprovers(ctx: PublishersContext, asking: Promise<SupportAccessAsked>) {
  const asked = await asking;
  mailApprovers(ctx.invitations, asked);
  return asked.access;
}

/** A publisher's decision on support access, told to the operator once it is committed. */
async function thenTellOperator(ctx: PublishersContext, decision: Promise<SupportAccessModel>) {
  const access = await decision;
  mailOperator(ctx.invitations, access);
  return access;
}

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
  createAccount: (_, { input }, ctx) => ctx.operate((tx, operator) => createAccount(tx, operator, input)),
  createPublisher: (_, { input }, ctx) =>
    thenPublisher(
      ctx,
      ctx.operate((tx, operator) => createPublisher(tx, operator, input)),
    ),
  inviteFirstOwner: (_, args, ctx) => inviteFirstOwner(ctx.operate, operatorOf(ctx), args, ctx.invitations),
  suspendPublisher: (_, args, ctx) =>
    thenPublisher(
      ctx,
      ctx.operate((tx, operator) => suspendPublisher(tx, operator, args)),
    ),
  reactivatePublisher: (_, { publisherId }, ctx) =>
    thenPublisher(
      ctx,
      ctx.operate((tx, operator) => reactivatePublisher(tx, operator, publisherId)),
    ),
  changePublisherType: (_, { input }, ctx) =>
    thenPublisher(
      ctx,
      ctx.operate((tx, operator) => changePublisherType(tx, operator, input)),
    ),
  setSubscriptionStatus: (_, args, ctx) => ctx.operate((tx, operator) => setSubscriptionStatus(tx, operator, args)),
  requestSupportAccess: (_, { input }, ctx) =>
    thenTellApprovers(
      ctx,
      ctx.operate((tx, operator) => requestSupportAccess(tx, operator, input)),
    ),
  breakGlass: (_, { input }, ctx) =>
    thenTellApprovers(
      ctx,
      ctx.operate((tx, operator) => breakGlass(tx, operator, input)),
    ),
  approveSupportAccess: (_, { id }, ctx) =>
    thenTellOperator(
      ctx,
      ctx.act((tx, actor) => approveSupportAccess(tx, actor, id)),
    ),
  denySupportAccess: (_, { id }, ctx) =>
    thenTellOperator(
      ctx,
      ctx.act((tx, actor) => denySupportAccess(tx, actor, id)),
    ),
  startOffboarding: (_, { input }, ctx) => ctx.operate((tx, operator) => startOffboarding(tx, operator, input)),
  offboardPublisher: (_, { input }, ctx) => offboardPublisher(ctx.operate, operatorOf(ctx), input),
  revokeSupportAccess: (_, { id }, ctx) =>
    thenTellOperator(
      ctx,
      ctx.act((tx, actor) => revokeSupportAccess(tx, actor, id)),
    ),
};
