import { verifyAgainstDecoy, verifyPassword } from '@platform/auth';
import { isUuid } from '@platform/db';
import { badUserInput, forbidden, requirePrincipal, unauthenticated } from '@platform/server';
import type { IdentityContext } from '../context';
import type { AuthPayloadModel, PublisherModel } from '../models';
import { refusal } from './login-guard';
import { MAX_PASSWORD_LENGTH } from './password-policy';
import { recordSecurityEvent } from './security-events';
import { openSession } from './sessions';

export interface Credentials {
  email: string;
  password: string;
  /** Slug or id. */
  publisher?: string | null;
}

const WRONG_CREDENTIALS = 'Email or password is incorrect';

/**
 * Signs a user in with an internal password and opens a session in one publisher. Unknown
 * emails, users without a password and disabled users get the same answer as a wrong password,
 * after the same amount of hashing work; repeated failures lock the email and throttle the
 * address.
 */
export async function login(ctx: IdentityContext, credentials: Credentials): Promise<AuthPayloadModel> {
  const email = credentials.email.trim().toLowerCase();
  if (!email) throw badUserInput('email must not be empty', 'email');
  if (!credentials.password) throw badUserInput('password must not be empty', 'password');
  if (credentials.password.length > MAX_PASSWORD_LENGTH) throw unauthenticated(WRONG_CREDENTIALS);

  let knownUserId: string | undefined;
  const checked = await ctx.loginGuard.check(email, ctx.client.ip, async () => {
    const user = await ctx.db.withScope({ loginEmail: email }, (tx) =>
      tx.user.findUnique({ where: { email }, select: { id: true, email: true, displayName: true, passwordHash: true, status: true } }),
    );
    knownUserId = user?.id;
    const matches = user?.passwordHash
      ? await verifyPassword(user.passwordHash, credentials.password)
      : await verifyAgainstDecoy(credentials.password);
    return user && matches && user.status === 'ACTIVE' ? { id: user.id, email: user.email, displayName: user.displayName } : null;
  });
  if (checked.outcome === 'refused') {
    await report(ctx, checked.reason === 'locked_out' ? 'login.locked_out' : 'login.throttled');
    throw refusal(checked.reason);
  }
  if (checked.outcome === 'rejected') {
    await report(ctx, 'login.failed', knownUserId, checked.lockedForSeconds ? { lockedForSeconds: checked.lockedForSeconds } : {});
    throw unauthenticated(WRONG_CREDENTIALS);
  }
  const user = checked.value;

  const publisher = choosePublisher(await activePublishersOf(ctx, user.id), credentials.publisher ?? null);
  const payload = await openSession(ctx, { id: user.id, email: user.email, displayName: user.displayName }, publisher);
  ctx.log.info({ event: 'login.succeeded', userId: user.id, publisherId: publisher.id }, 'login succeeded');
  return payload;
}

/**
 * A new session, in another publisher the caller belongs to. It carries the time of the sign-in
 * it comes from: a publisher whose admin revoked the member's sessions after that sign-in is not
 * reachable this way (nor through X-Tenant-ID); signing in again is.
 */
export async function switchPublisher(ctx: IdentityContext, wanted: string): Promise<AuthPayloadModel> {
  const principal = requirePrincipal(ctx);
  const publishers = await activePublishersOf(ctx, principal.userId);
  const publisher = bySlugOrId(publishers, wanted);
  if (!publisher) throw forbidden(`You are not an active member of a publisher "${wanted}"`);
  const user = await ctx.loaders.user.load(principal.userId);
  if (!user) throw unauthenticated();
  const signIn = await ctx.db.withScope({ userId: principal.userId }, (tx) =>
    tx.userSession.findUniqueOrThrow({ where: { id: principal.sessionId }, select: { authenticatedAt: true } }),
  );
  if (publisher.sessionsRevokedAt && publisher.sessionsRevokedAt >= signIn.authenticatedAt) {
    throw unauthenticated(`Your sessions in "${publisher.slug}" were ended by an administrator; sign in again to enter it`);
  }
  return openSession(ctx, user, publisher, signIn.authenticatedAt);
}

/** The attempted email is not recorded: for unknown accounts the log would be a list of guesses. */
async function report(ctx: IdentityContext, kind: 'login.failed' | 'login.locked_out' | 'login.throttled', userId?: string, data = {}) {
  ctx.log.info({ event: kind, userId }, kind);
  await ctx.db.withScope({}, (tx) =>
    recordSecurityEvent(tx, { kind, userId: userId ?? null, client: ctx.client, data: { ...data, knownAccount: Boolean(userId) } }),
  );
}

type MemberOf = PublisherModel & { sessionsRevokedAt: Date | null };

async function activePublishersOf(ctx: IdentityContext, userId: string): Promise<MemberOf[]> {
  const memberships = await ctx.db.withScope({ userId }, (tx) =>
    tx.membership.findMany({
      where: { userId, status: 'ACTIVE', publisher: { status: 'ACTIVE' } },
      select: { sessionsRevokedAt: true, publisher: { select: { id: true, slug: true, name: true, type: true } } },
      orderBy: { publisher: { slug: 'asc' } },
    }),
  );
  return memberships.map((m) => ({ ...m.publisher, sessionsRevokedAt: m.sessionsRevokedAt }));
}

function choosePublisher(publishers: MemberOf[], wanted: string | null): MemberOf {
  if (publishers.length === 0) throw forbidden('Your account is not an active member of any publisher');
  if (wanted === null || wanted.trim() === '') {
    if (publishers.length === 1) return publishers[0]!;
    const slugs = publishers.map((p) => p.slug).join(', ');
    throw badUserInput(`You belong to several publishers (${slugs}); choose one with "publisher"`, 'publisher');
  }
  const chosen = bySlugOrId(publishers, wanted);
  // A publisher the user does not belong to and one that does not exist read the same.
  if (!chosen) throw badUserInput(`You are not a member of a publisher "${wanted}"`, 'publisher');
  return chosen;
}

function bySlugOrId(publishers: MemberOf[], wanted: string): MemberOf | undefined {
  const key = wanted.trim().toLowerCase();
  return publishers.find((p) => p.slug === key || (isUuid(key) && p.id === key));
}
