import { randomBytes } from 'node:crypto';
import { hashPassword, verifyPassword, type TokenPrincipal } from '@platform/auth';
import { InvalidInput } from '@platform/errors';
import { endSessions } from '@platform/sessions';
import type { Client, IdentityServices } from '../context';
import { reportSecurityEvent } from '../security-events';
import { hashSecret } from '../sessions/sessions';
import { refusal } from '../sign-in/login-guard';
import { requireAcceptablePassword } from './password-policy';

export const RESET_TOKEN_TTL_MINUTES = 30;
const INVALID_RESET = 'This reset link is invalid, used or expired; ask for a new one';

/** Re-checks the current password, sets the new one and ends every other session. */
export async function changePassword(
  services: IdentityServices,
  client: Client,
  principal: TokenPrincipal,
  input: { currentPassword: string; newPassword: string },
): Promise<boolean> {
  const scope = { userId: principal.userId };
  const user = await services.db.withScope(scope, (tx) =>
    tx.user.findUniqueOrThrow({ where: { id: principal.userId }, select: { email: true, passwordHash: true } }),
  );
  // A stolen access token must not become a way around the lockout to guess the password.
  const checked = await services.loginGuard.check(user.email, client.ip, async () =>
    user.passwordHash && (await verifyPassword(user.passwordHash, input.currentPassword)) ? true : null,
  );
  if (checked.outcome === 'refused') throw refusal(checked.reason);
  if (checked.outcome === 'rejected') throw new InvalidInput('The current password is not correct', 'currentPassword');
  requireAcceptablePassword(input.newPassword, user.email);
  const passwordHash = await hashPassword(input.newPassword);
  await services.db.withScope(scope, async (tx) => {
    await tx.user.update({ where: { id: principal.userId }, data: { passwordHash, updatedAt: new Date() } });
    await endSessions(tx, { userId: principal.userId, exceptSessionId: principal.sessionId }, 'password changed');
  });
  reportSecurityEvent(services, { kind: 'password.changed', userId: principal.userId, sessionId: principal.sessionId, client });
  return true;
}

/**
 * Mails a single-use reset link when the email belongs to an active account with a password.
 * The answer is the same either way, and so is the work done before it (the rate limits and one
 * lookup): the link is made and mailed after the answer is on its way. Timing is close but not
 * equal: `pnpm bench login` measures a registered email about 1.5 ms slower at the median on
 * this hardware (the scheduled mail work shares the process), which the rate limits per email
 * and per address keep from being sampled at scale.
 */
export async function requestPasswordReset(services: IdentityServices, client: Client, email: string): Promise<boolean> {
  const address = email.trim().toLowerCase();
  if (!address) throw new InvalidInput('email must not be empty', 'email');
  await services.loginGuard.countResetRequest(address, client.ip);
  const user = await services.db.withScope({ loginEmail: address }, (tx) =>
    tx.user.findUnique({ where: { email: address }, select: { id: true, status: true, passwordHash: true } }),
  );
  if (user && user.status === 'ACTIVE' && user.passwordHash) {
    setImmediate(() => {
      mailResetLink(services, client, user.id, address).catch((error: unknown) =>
        services.log.error({ err: error }, 'could not issue a password reset link'),
      );
    });
  }
  return true;
}

async function mailResetLink(services: IdentityServices, client: Client, userId: string, address: string): Promise<void> {
  const token = randomBytes(32).toString('base64url');
  await services.db.withScope({ userId }, async (tx) => {
    await tx.passwordReset.create({
      data: { tokenHash: hashSecret(token), userId, expiresAt: new Date(Date.now() + RESET_TOKEN_TTL_MINUTES * 60_000) },
    });
  });
  reportSecurityEvent(services, { kind: 'password.reset_requested', userId, client });
  const link = `${services.passwordResetUrl}?token=${token}`;
  await services.mailer.send({
    to: address,
    subject: 'Reset your Publishing Platform password',
    text: `Someone asked to reset the password of this account. If it was you, open this link within ${RESET_TOKEN_TTL_MINUTES} minutes:\n${link}\n\nIf it was not, ignore this mail; the password stays as it is.`,
  });
}

/**
 * Redeems a reset token once: sets the password, ends every session of the account and voids
 * every other open link of the account (an older mail read by someone else is worth nothing).
 */
export async function resetPassword(
  services: IdentityServices,
  client: Client,
  input: { token: string; newPassword: string },
): Promise<boolean> {
  const resetTokenHash = hashSecret(input.token.trim());
  const reset = await services.db.withScope({ resetTokenHash }, (tx) =>
    tx.passwordReset.findUnique({
      where: { tokenHash: resetTokenHash },
      select: { userId: true, usedAt: true, expiresAt: true, user: { select: { email: true } } },
    }),
  );
  if (!reset || reset.usedAt || reset.expiresAt <= new Date()) throw new InvalidInput(INVALID_RESET, 'token');
  requireAcceptablePassword(input.newPassword, reset.user.email);
  const passwordHash = await hashPassword(input.newPassword);
  const redeemed = await services.db.withScope({ resetTokenHash, userId: reset.userId }, async (tx) => {
    // Only one of two concurrent redemptions of the same token gets this row.
    const { count } = await tx.passwordReset.updateMany({
      where: { tokenHash: resetTokenHash, usedAt: null, expiresAt: { gt: new Date() } },
      data: { usedAt: new Date() },
    });
    if (count === 0) return false;
    await tx.passwordReset.updateMany({ where: { userId: reset.userId, usedAt: null }, data: { usedAt: new Date() } });
    await tx.user.update({ where: { id: reset.userId }, data: { passwordHash, updatedAt: new Date() } });
    await endSessions(tx, { userId: reset.userId }, 'password reset');
    return true;
  });
  if (!redeemed) throw new InvalidInput(INVALID_RESET, 'token');
  reportSecurityEvent(services, { kind: 'password.reset', userId: reset.userId, client });
  await services.loginGuard.unlock(reset.user.email);
  return true;
}
