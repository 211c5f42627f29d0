import { randomBytes } from 'node:crypto';
import { hashPassword, verifyPassword } from '@platform/auth';
import { badUserInput, requirePrincipal } from '@platform/server';
import type { IdentityContext } from '../context';
import { refusal } from './login-guard';
import { requireAcceptablePassword } from './password-policy';
import { recordSecurityEvent } from './security-events';
import { hashSecret, revoke } from './sessions';

export const RESET_TOKEN_TTL_MINUTES = 30;
const INVALID_RESET = 'This reset link is invalid, used or expired; ask for a new one';

/** Re-checks the current password, sets the new one and ends every other session. */
export async function changePassword(ctx: IdentityContext, input: { currentPassword: string; newPassword: string }): Promise<boolean> {
  const principal = requirePrincipal(ctx);
  const scope = { userId: principal.userId };
  const user = await ctx.db.withScope(scope, (tx) =>
    tx.user.findUniqueOrThrow({ where: { id: principal.userId }, select: { email: true, passwordHash: true } }),
  );
  // A stolen access token must not become a way around the lockout to guess the password.
  const checked = await ctx.loginGuard.check(user.email, ctx.client.ip, async () =>
    user.passwordHash && (await verifyPassword(user.passwordHash, input.currentPassword)) ? true : null,
  );
  if (checked.outcome === 'refused') throw refusal(checked.reason);
  if (checked.outcome === 'rejected') throw badUserInput('The current password is not correct', 'currentPassword');
  requireAcceptablePassword(input.newPassword, user.email);
  const passwordHash = await hashPassword(input.newPassword);
  await ctx.db.withScope(scope, async (tx) => {
    await tx.user.update({ where: { id: principal.userId }, data: { passwordHash, updatedAt: new Date() } });
    await tx.userSession.updateMany({
      where: { userId: principal.userId, id: { not: principal.sessionId }, revokedAt: null },
      data: { revokedAt: new Date(), revokedReason: 'password changed' },
    });
    await recordSecurityEvent(tx, {
      kind: 'password.changed',
      userId: principal.userId,
      sessionId: principal.sessionId,
      client: ctx.client,
    });
  });
  return true;
}

/**
 * Mails a single-use reset link when the email belongs to an active account with a password.
 * The answer, and the work done before answering (the rate limits and one lookup), are the same
 * either way: the link is made and mailed after the answer, so neither the answer nor its timing
 * tells whether the email is registered.
 */
export async function requestPasswordReset(ctx: IdentityContext, email: string): Promise<boolean> {
  const address = email.trim().toLowerCase();
  if (!address) throw badUserInput('email must not be empty', 'email');
  await ctx.loginGuard.countResetRequest(address, ctx.client.ip);
  const user = await ctx.db.withScope({ loginEmail: address }, (tx) =>
    tx.user.findUnique({ where: { email: address }, select: { id: true, status: true, passwordHash: true } }),
  );
  if (user && user.status === 'ACTIVE' && user.passwordHash) {
    setImmediate(() => {
      mailResetLink(ctx, user.id, address).catch((error) => ctx.log.error({ err: error }, 'could not issue a password reset link'));
    });
  }
  return true;
}

async function mailResetLink(ctx: IdentityContext, userId: string, address: string): Promise<void> {
  const token = randomBytes(32).toString('base64url');
  await ctx.db.withScope({ userId }, async (tx) => {
    await tx.passwordReset.create({
      data: { tokenHash: hashSecret(token), userId, expiresAt: new Date(Date.now() + RESET_TOKEN_TTL_MINUTES * 60_000) },
    });
    await recordSecurityEvent(tx, { kind: 'password.reset_requested', userId, client: ctx.client });
  });
  const link = `${ctx.passwordResetUrl}?token=${token}`;
  await ctx.mailer.send({
    to: address,
    subject: 'Reset your Publishing Platform password',
    text: `Someone asked to reset the password of this account. If it was you, open this link within ${RESET_TOKEN_TTL_MINUTES} minutes:\n${link}\n\nIf it was not, ignore this mail; the password stays as it is.`,
  });
}

/**
 * Redeems a reset token once: sets the password, ends every session of the account and voids
 * every other open link of the account (an older mail read by someone else is worth nothing).
 */
export async function resetPassword(ctx: IdentityContext, input: { token: string; newPassword: string }): Promise<boolean> {
  const resetTokenHash = hashSecret(input.token.trim());
  const reset = await ctx.db.withScope({ resetTokenHash }, (tx) =>
    tx.passwordReset.findUnique({
      where: { tokenHash: resetTokenHash },
      select: { userId: true, usedAt: true, expiresAt: true, user: { select: { email: true } } },
    }),
  );
  if (!reset || reset.usedAt || reset.expiresAt <= new Date()) throw badUserInput(INVALID_RESET, 'token');
  requireAcceptablePassword(input.newPassword, reset.user.email);
  const passwordHash = await hashPassword(input.newPassword);
  const redeemed = await ctx.db.withScope({ resetTokenHash, userId: reset.userId }, async (tx) => {
    // Only one of two concurrent redemptions of the same token gets this row.
    const { count } = await tx.passwordReset.updateMany({
      where: { tokenHash: resetTokenHash, usedAt: null, expiresAt: { gt: new Date() } },
      data: { usedAt: new Date() },
    });
    if (count === 0) return false;
    await tx.passwordReset.updateMany({ where: { userId: reset.userId, usedAt: null }, data: { usedAt: new Date() } });
    await tx.user.update({ where: { id: reset.userId }, data: { passwordHash, updatedAt: new Date() } });
    await revoke(tx, { userId: reset.userId }, 'password reset');
    await recordSecurityEvent(tx, { kind: 'password.reset', userId: reset.userId, client: ctx.client });
    return true;
  });
  if (!redeemed) throw badUserInput(INVALID_RESET, 'token');
  await ctx.loginGuard.unlock(reset.user.email);
  return true;
}
