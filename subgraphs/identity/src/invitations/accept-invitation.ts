import { randomUUID } from 'node:crypto';
import { hashPassword, verifyPassword } from '@platform/auth';
import { InvalidInput, NotSignedIn } from '@platform/errors';
import { admitInvitee, openInvitation } from '@platform/publishers/invitations';
import type { Client, IdentityServices } from '../context';
import type { AuthPayloadModel } from '../models';
import { requireAcceptablePassword } from '../passwords/password-policy';
import { openSession } from '../sessions/sessions';
import { refusal } from '../sign-in/login-guard';

/**
 * Redeems an invitation once: an email without an account gets one (name and password given
 * here), an existing account proves itself with its password. The account (identity's) and the
 * membership with its roles and the invitation's use (publishers', through its functions) are
 * one transaction; then a session opens in that publisher.
 */
export async function acceptInvitation(
  services: IdentityServices,
  client: Client,
  input: { token: string; displayName?: string | null; password: string },
): Promise<AuthPayloadModel> {
  const invitation = await openInvitation(services.db, input.token);
  const existing = await services.db.withScope({ loginEmail: invitation.email }, (tx) =>
    tx.user.findUnique({ where: { email: invitation.email }, select: { id: true, passwordHash: true, status: true } }),
  );
  let userId: string;
  let newAccount: { displayName: string; passwordHash: string } | null = null;
  if (existing) {
    // The same lockout as login: an invitation link must not be a way to guess the password.
    const checked = await services.loginGuard.check(invitation.email, client.ip, async () =>
      existing.status === 'ACTIVE' && existing.passwordHash && (await verifyPassword(existing.passwordHash, input.password))
        ? existing.id
        : null,
    );
    if (checked.outcome === 'refused') throw refusal(checked.reason);
    if (checked.outcome === 'rejected') throw new NotSignedIn(`Sign in as ${invitation.email}: the password is not correct`);
    userId = checked.value;
  } else {
    const displayName = (input.displayName ?? '').trim();
    if (!displayName || displayName.length > 120) {
      throw new InvalidInput('displayName must be 1 to 120 characters for a new account', 'displayName');
    }
    requireAcceptablePassword(input.password, invitation.email, 'password');
    userId = randomUUID();
    newAccount = { displayName, passwordHash: await hashPassword(input.password) };
  }

  const scope = { invitationTokenHash: invitation.tokenHash, userId, publisherId: invitation.publisherId };
  const publisher = await services.db.withScope(scope, async (tx) => {
    // The account first: the row policy lets it be created only while the invitation is open.
    if (newAccount) await tx.user.createMany({ data: [{ id: userId, email: invitation.email, ...newAccount }] });
    return admitInvitee(tx, invitation, userId, Boolean(newAccount));
  });
  const user = await services.db.withScope({ userId }, (tx) =>
    tx.user.findUniqueOrThrow({ where: { id: userId }, select: { id: true, email: true, displayName: true } }),
  );
  return openSession(services, client, user, { publisher });
}
