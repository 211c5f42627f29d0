import { randomUUID } from 'node:crypto';
import { hashPassword, verifyPassword } from '@platform/auth';
import { recordChange } from '@platform/events';
import { badUserInput, unauthenticated } from '@platform/server';
import type { IdentityContext } from '../context';
import type { AuthPayloadModel } from '../models';
import { refusal } from './login-guard';
import { requireAcceptablePassword } from './password-policy';
import { hashSecret, openSession } from './sessions';

const INVALID_INVITATION = 'This invitation link is invalid, used, revoked or expired; ask for a new one';

/**
 * Redeems an invitation once: an email without an account gets one (name and password given
 * here), an existing account proves itself with its password. The membership, its roles and the
 * invitation's use are one transaction; then a session opens in that publisher.
 */
export async function acceptInvitation(
  ctx: IdentityContext,
  input: { token: string; displayName?: string | null; password: string },
): Promise<AuthPayloadModel> {
  const invitationTokenHash = hashSecret(input.token.trim());
  const invitation = await ctx.db.withScope({ invitationTokenHash }, (tx) =>
    tx.invitation.findUnique({ where: { tokenHash: invitationTokenHash } }),
  );
  if (!invitation || invitation.acceptedAt || invitation.revokedAt || invitation.expiresAt <= new Date()) {
    throw badUserInput(INVALID_INVITATION, 'token');
  }
  const existing = await ctx.db.withScope({ loginEmail: invitation.email }, (tx) =>
    tx.user.findUnique({ where: { email: invitation.email }, select: { id: true, passwordHash: true, status: true } }),
  );
  let userId: string;
  let newAccount: { displayName: string; passwordHash: string } | null = null;
  if (existing) {
    // The same lockout as login: an invitation link must not be a way to guess the password.
    const checked = await ctx.loginGuard.check(invitation.email, ctx.client.ip, async () =>
      existing.status === 'ACTIVE' && existing.passwordHash && (await verifyPassword(existing.passwordHash, input.password))
        ? existing.id
        : null,
    );
    if (checked.outcome === 'refused') throw refusal(checked.reason);
    if (checked.outcome === 'rejected') throw unauthenticated(`Sign in as ${invitation.email}: the password is not correct`);
    userId = checked.value;
  } else {
    const displayName = (input.displayName ?? '').trim();
    if (!displayName || displayName.length > 120)
      throw badUserInput('displayName must be 1 to 120 characters for a new account', 'displayName');
    requireAcceptablePassword(input.password, invitation.email, 'password');
    userId = randomUUID();
    newAccount = { displayName, passwordHash: await hashPassword(input.password) };
  }

  const publisher = await ctx.db.withScope({ invitationTokenHash, userId, publisherId: invitation.publisherId }, async (tx) => {
    // The account first: the row policy lets it be created only while the invitation is open.
    if (newAccount) await tx.user.createMany({ data: [{ id: userId, email: invitation.email, ...newAccount }] });
    const { count } = await tx.invitation.updateMany({
      where: { publisherId: invitation.publisherId, id: invitation.id, acceptedAt: null, revokedAt: null },
      data: { acceptedAt: new Date(), acceptedBy: userId },
    });
    // Accepted meanwhile by a concurrent request: throwing rolls the new account back too.
    if (count === 0) throw badUserInput(INVALID_INVITATION, 'token');
    await tx.membership.upsert({
      where: { publisherId_userId: { publisherId: invitation.publisherId, userId } },
      create: { publisherId: invitation.publisherId, userId },
      update: {},
    });
    // A role deleted since the invitation was sent: refused whole (nothing of it is kept), never
    // a member with fewer rights than the inviter meant, nor a database error.
    const roles = await tx.role.count({ where: { publisherId: invitation.publisherId, id: { in: invitation.roleIds } } });
    if (roles !== new Set(invitation.roleIds).size) {
      throw badUserInput('A role this invitation grants no longer exists; ask the publisher for a new invitation', 'token');
    }
    await tx.membershipRole.createMany({
      data: invitation.roleIds.map((roleId) => ({ publisherId: invitation.publisherId, userId, roleId })),
      skipDuplicates: true,
    });
    await recordChange(
      tx,
      { userId, publisherId: invitation.publisherId },
      {
        entityType: 'Member',
        entityId: userId,
        action: 'member.joined',
        data: { invitationId: invitation.id, newAccount: Boolean(newAccount) },
      },
    );
    return tx.publisher.findUniqueOrThrow({
      where: { id: invitation.publisherId },
      select: { id: true, slug: true, name: true, type: true },
    });
  });
  const user = await ctx.db.withScope({ userId }, (tx) =>
    tx.user.findUniqueOrThrow({ where: { id: userId }, select: { id: true, email: true, displayName: true } }),
  );
  return openSession(ctx, user, publisher);
}
