import { signAccessToken, verifyAgainstDecoy, verifyPassword } from '@platform/auth';
import { isUuid } from '@platform/db';
import { badUserInput, forbidden, unauthenticated } from '@platform/server';
import type { IdentityContext } from '../context';
import type { AuthPayloadModel, PublisherModel } from '../models';
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
 * after the same amount of hashing work.
 */
export async function login(ctx: IdentityContext, credentials: Credentials): Promise<AuthPayloadModel> {
  const email = credentials.email.trim().toLowerCase();
  if (!email) throw badUserInput('email must not be empty', 'email');
  if (!credentials.password) throw badUserInput('password must not be empty', 'password');

  const user = await ctx.db.withScope({ loginEmail: email }, (tx) =>
    tx.user.findUnique({ where: { email }, select: { id: true, email: true, displayName: true, passwordHash: true, status: true } }),
  );
  const passwordMatches = user?.passwordHash
    ? await verifyPassword(user.passwordHash, credentials.password)
    : await verifyAgainstDecoy(credentials.password);
  if (!user || !passwordMatches || user.status !== 'ACTIVE') {
    ctx.log.info({ event: 'login.failed' }, 'login failed');
    throw unauthenticated(WRONG_CREDENTIALS);
  }

  const publishers = await activePublishersOf(ctx, user.id);
  const publisher = choosePublisher(publishers, credentials.publisher ?? null);
  const session = await ctx.db.withScope({ userId: user.id, publisherId: publisher.id }, (tx) =>
    openSession(tx, { userId: user.id, publisherId: publisher.id, clientIp: ctx.client.ip, userAgent: ctx.client.userAgent }),
  );
  const access = await signAccessToken(ctx.signing.key, ctx.signing.settings, {
    userId: user.id,
    publisherId: publisher.id,
    sessionId: session.id,
  });
  ctx.signedIn = { userId: user.id };
  ctx.log.info({ event: 'login.succeeded', userId: user.id, publisherId: publisher.id }, 'login succeeded');
  return {
    accessToken: access.token,
    expiresAt: access.expiresAt,
    refreshToken: session.refreshToken,
    user: { id: user.id, email: user.email, displayName: user.displayName },
    activePublisher: publisher,
  };
}

async function activePublishersOf(ctx: IdentityContext, userId: string): Promise<PublisherModel[]> {
  const memberships = await ctx.db.withScope({ userId }, (tx) =>
    tx.membership.findMany({
      where: { userId, status: 'ACTIVE', publisher: { status: 'ACTIVE' } },
      select: { publisher: { select: { id: true, slug: true, name: true, type: true } } },
      orderBy: { publisher: { slug: 'asc' } },
    }),
  );
  return memberships.map((m) => m.publisher);
}

function choosePublisher(publishers: PublisherModel[], wanted: string | null): PublisherModel {
  if (publishers.length === 0) throw forbidden('Your account is not an active member of any publisher');
  if (wanted === null || wanted.trim() === '') {
    if (publishers.length === 1) return publishers[0]!;
    const slugs = publishers.map((p) => p.slug).join(', ');
    throw badUserInput(`You belong to several publishers (${slugs}); choose one with "publisher"`, 'publisher');
  }
  const key = wanted.trim().toLowerCase();
  const chosen = publishers.find((p) => p.slug === key || (isUuid(key) && p.id === key));
  // A publisher the user does not belong to and one that does not exist read the same.
  if (!chosen) throw badUserInput(`You are not a member of a publisher "${wanted}"`, 'publisher');
  return chosen;
}
