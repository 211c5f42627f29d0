// Publishers' side of accepting an invitation, called by identity's acceptInvitation: identity
// owns the account and the session, publishers owns the invitation and the membership. Both
// halves run in identity's one transaction, so an acceptance is whole or not at all.
import { createHash } from 'node:crypto';
import type { ScopedDatabase, Tx } from '@platform/db';
import { InvalidInput } from '@platform/errors';
import { recordChange } from '@platform/events';

const INVALID_INVITATION = 'This invitation link is invalid, used, revoked or expired; ask for a new one';

export interface OpenInvitation {
  id: string;
  publisherId: string;
  email: string;
  /** The scope (`invitationTokenHash`) under which row-level security shows this invitation. */
  tokenHash: string;
  roleIds: string[];
}

/** Invitation links carry a random token; only this hash of it is stored. */
export function invitationTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The open invitation a link's token stands for; refused with BAD_USER_INPUT on `token` otherwise. */
export async function openInvitation(db: ScopedDatabase, token: string): Promise<OpenInvitation> {
  const tokenHash = invitationTokenHash(token.trim());
  const invitation = await db.withScope({ invitationTokenHash: tokenHash }, (tx) => tx.invitation.findUnique({ where: { tokenHash } }));
  if (!invitation || invitation.acceptedAt || invitation.revokedAt || invitation.expiresAt <= new Date()) {
    throw new InvalidInput(INVALID_INVITATION, 'token');
  }
  const { id, publisherId, email, roleIds } = invitation;
  return { id, publisherId, email, tokenHash, roleIds };
}

/**
 * Uses the invitation once and makes `userId` a member with its roles, in the caller's
 * transaction; answers the publisher joined. Throwing rolls back the caller's work too (the new
 * account identity created in the same transaction).
 */
export async function admitInvitee(tx: Tx, invitation: OpenInvitation, userId: string, newAccount: boolean) {
  const { publisherId } = invitation;
  const { count } = await tx.invitation.updateMany({
    where: { publisherId, id: invitation.id, acceptedAt: null, revokedAt: null },
    data: { acceptedAt: new Date(), acceptedBy: userId },
  });
  // Accepted meanwhile by a concurrent request.
  if (count === 0) throw new InvalidInput(INVALID_INVITATION, 'token');
  await tx.membership.upsert({ where: { publisherId_userId: { publisherId, userId } }, create: { publisherId, userId }, update: {} });
  // A role deleted since the invitation was sent: refused whole (nothing of it is kept), never
  // a member with fewer rights than the inviter meant, nor a database error.
  const roles = await tx.role.count({ where: { publisherId, id: { in: invitation.roleIds } } });
  if (roles !== new Set(invitation.roleIds).size) {
    throw new InvalidInput('A role this invitation grants no longer exists; ask the publisher for a new invitation', 'token');
  }
  await tx.membershipRole.createMany({
    data: invitation.roleIds.map((roleId) => ({ publisherId, userId, roleId })),
    skipDuplicates: true,
  });
  await recordChange(
    tx,
    { userId, publisherId },
    { entityType: 'Member', entityId: userId, action: 'member.joined', data: { invitationId: invitation.id, newAccount } },
  );
  return tx.publisher.findUniqueOrThrow({ where: { id: publisherId }, select: { id: true, slug: true, name: true, type: true } });
}
