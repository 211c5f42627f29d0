import { createHash, randomBytes } from 'node:crypto';
import { recordChange } from '@platform/events';
import { isUuid } from '@platform/db';
import { badUserInput, notFound, requirePrincipal, type Mailer, type RequestContext } from '@platform/server';
import type { InvitationModel } from '../models';
import { assertMayGrant, permissionsOf, rolesByKeys } from './grants';

export const INVITATION_TTL_DAYS = 7;

export interface InvitationDelivery {
  mailer: Mailer;
  /** The web page that takes `?token=` and calls acceptInvitation. */
  acceptUrl: string;
}

/**
 * Invites an email with roles chosen now; the link is mailed and single-use, its token stored
 * only hashed. Inviting an email again replaces its open invitation. The seat limit (active
 * members plus open invitations) is enforced by the database at commit, where parallel
 * invitations cannot race past it.
 */
export async function inviteMember(
  ctx: RequestContext,
  delivery: InvitationDelivery,
  input: { email: string; roles: string[] },
): Promise<InvitationModel> {
  const principal = requirePrincipal(ctx);
  const email = input.email.trim().toLowerCase();
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) throw badUserInput('email must be an email address', 'email');
  const token = randomBytes(32).toString('base64url');
  const invitation = await ctx.inScope(async (tx) => {
    const roles = await rolesByKeys(tx, principal.publisherId, input.roles, 'roles');
    assertMayGrant(ctx, permissionsOf(roles));
    const alreadyMember = await tx.membership.count({ where: { publisherId: principal.publisherId, user: { email } } });
    if (alreadyMember) throw badUserInput(`${email} is a member already`, 'email');
    await tx.invitation.updateMany({
      where: { publisherId: principal.publisherId, email, acceptedAt: null, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    const created = await tx.invitation.create({
      data: {
        publisherId: principal.publisherId,
        email,
        tokenHash: hash(token),
        roleIds: roles.map((r) => r.id),
        invitedBy: principal.userId,
        expiresAt: new Date(Date.now() + INVITATION_TTL_DAYS * 86_400_000),
      },
    });
    await recordChange(tx, principal, {
      entityType: 'Invitation',
      entityId: created.id,
      action: 'member.invited',
      data: { email, roles: roles.map((r) => r.key) },
    });
    return { ...created, roles };
  });
  delivery.mailer
    .send({
      to: email,
      subject: 'You are invited to the Publishing Platform',
      text: `You have been invited to join a publisher on the Publishing Platform. Open this link within ${INVITATION_TTL_DAYS} days to accept:\n${delivery.acceptUrl}?token=${token}`,
    })
    .catch((error) => ctx.log.error({ err: error }, 'could not send the invitation mail'));
  return invitation;
}

export async function openInvitations(ctx: RequestContext): Promise<InvitationModel[]> {
  const { publisherId } = requirePrincipal(ctx);
  return ctx.inScope(async (tx) => {
    const invitations = await tx.invitation.findMany({
      where: { publisherId, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
      orderBy: { createdAt: 'desc' },
    });
    const roles = await tx.role.findMany({ where: { publisherId, id: { in: invitations.flatMap((i) => i.roleIds) } } });
    return invitations.map((i) => ({ ...i, roles: roles.filter((r) => i.roleIds.includes(r.id)) }));
  });
}

export async function revokeInvitation(ctx: RequestContext, id: string): Promise<InvitationModel> {
  const principal = requirePrincipal(ctx);
  if (!isUuid(id)) throw notFound('Invitation');
  return ctx.inScope(async (tx) => {
    const { count } = await tx.invitation.updateMany({
      where: { publisherId: principal.publisherId, id, acceptedAt: null, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    if (count === 0) throw notFound('Open invitation');
    const invitation = await tx.invitation.findUniqueOrThrow({ where: { publisherId_id: { publisherId: principal.publisherId, id } } });
    await recordChange(tx, principal, {
      entityType: 'Invitation',
      entityId: id,
      action: 'member.invitation_revoked',
      data: { email: invitation.email },
    });
    const roles = await tx.role.findMany({ where: { publisherId: principal.publisherId, id: { in: invitation.roleIds } } });
    return { ...invitation, roles };
  });
}

export function hash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
