import { assertMayGrant } from '@platform/access';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Actor } from '@platform/auth';
import { isUuid, type InScope, type Tx } from '@platform/db';
import { InvalidInput, NotFound } from '@platform/errors';
import { recordChange, type ChangeActor } from '@platform/events';
import type { Mailer } from '@platform/mail';
import type { InvitationModel, RoleModel } from '../models';
import { permissionsOf, rolesByKeys } from '../roles/grants';
import { invitationTokenHash } from './redemption';

export const INVITATION_TTL_DAYS = 7;

export interface InvitationDelivery {
  mailer: Mailer;
  /** The web page that takes `?token=` and calls acceptInvitation. */
  acceptUrl: string;
  /** Where a mail that could not be sent is reported (the invitation stands; it can be sent again). */
  log: Logger;
}

/**
 * Invites an email with roles chosen now; the link is mailed and single-use, its token stored
 * only hashed. Inviting an email again replaces its open invitation. The seat limit (active
 * members plus open invitations) is enforced by the database at commit, where parallel
 * invitations cannot race past it.
 */
export async function inviteMember(
  run: InScope,
  actor: Actor,
  input: { email: string; roles: string[] },
  delivery: InvitationDelivery,
): Promise<InvitationModel> {
  const email = invitationEmail(input.email);
  const { invitation, token } = await run(async (tx) => {
    const roles = await rolesByKeys(tx, actor.publisherId, input.roles, 'roles');
    assertMayGrant(actor, permissionsOf(roles));
    return issueInvitation(tx, actor, email, roles, 'member.invited');
  });
  mailInvitation(delivery, email, token);
  return invitation;
}

/** The email an invitation goes to, lower-cased; refused unless it looks like one. */
export function invitationEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email) || email.length > 254) throw new InvalidInput('email must be an email address', 'email');
  return email;
}

/**
 * Creates the invitation of an email (replacing its open one) with its roles, audited under
 * `action`; its token is returned for the mail, and only its hash is stored. For inviteMember and
 * for the platform's first Owner of a new publisher.
 */
export async function issueInvitation(
  tx: Tx,
  actor: ChangeActor & { userId: string },
  email: string,
  roles: RoleModel[],
  action: 'member.invited' | 'member.first_owner_invited',
): Promise<{ invitation: InvitationModel; token: string }> {
  const { publisherId } = actor;
  const alreadyMember = await tx.membership.count({ where: { publisherId, user: { email } } });
  if (alreadyMember) throw new InvalidInput(`${email} is a member already`, 'email');
  await tx.invitation.updateMany({
    where: { publisherId, email, acceptedAt: null, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  const token = randomBytes(32).toString('base64url');
  const created = await tx.invitation.create({
    data: {
      publisherId,
      email,
      tokenHash: invitationTokenHash(token),
      roleIds: roles.map((r) => r.id),
      invitedBy: actor.userId,
      expiresAt: new Date(Date.now() + INVITATION_TTL_DAYS * 86_400_000),
    },
  });
  await recordChange(tx, actor, {
    entityType: 'Invitation',
    entityId: created.id,
    action,
    data: { email, roles: roles.map((r) => r.key) },
  });
  return { invitation: { ...created, roles }, token };
}

/** Sends the link once the invitation is committed; a failed mail leaves it standing (it can be sent again). */
export function mailInvitation(delivery: InvitationDelivery, email: string, token: string): void {
  delivery.mailer
    .send({
      to: email,
      subject: 'You are invited to the Publishing Platform',
      text: `You have been invited to join a publisher on the Publishing Platform. Open this link within ${INVITATION_TTL_DAYS} days to accept:\n${delivery.acceptUrl}?token=${token}`,
    })
    .catch((error: unknown) => delivery.log.error({ err: error }, 'could not send the invitation mail'));
}

export async function openInvitations(tx: Tx, actor: Actor): Promise<InvitationModel[]> {
  const { publisherId } = actor;
  const invitations = await tx.invitation.findMany({
    where: { publisherId, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
    orderBy: { createdAt: 'desc' },
  });
  const roles = await tx.role.findMany({ where: { publisherId, id: { in: invitations.flatMap((i) => i.roleIds) } } });
  return invitations.map((i) => ({ ...i, roles: roles.filter((r) => i.roleIds.includes(r.id)) }));
}

export async function revokeInvitation(tx: Tx, actor: Actor, id: string): Promise<InvitationModel> {
  if (!isUuid(id)) throw new NotFound('Invitation');
  const { count } = await tx.invitation.updateMany({
    where: { publisherId: actor.publisherId, id, acceptedAt: null, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  if (count === 0) throw new NotFound('Open invitation', id);
  const invitation = await tx.invitation.findUniqueOrThrow({ where: { publisherId_id: { publisherId: actor.publisherId, id } } });
  await recordChange(tx, actor, {
    entityType: 'Invitation',
    entityId: id,
    action: 'member.invitation_revoked',
    data: { email: invitation.email },
  });
  const roles = await tx.role.findMany({ where: { publisherId: actor.publisherId, id: { in: invitation.roleIds } } });
  return { ...invitation, roles };
}
