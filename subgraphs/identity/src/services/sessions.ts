import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { signAccessToken, type Principal } from '@platform/auth';
import { isUuid, type Tx } from '@platform/db';
import { requirePrincipal, unauthenticated } from '@platform/server';
import type { IdentityContext } from '../context';
import type { AuthPayloadModel, PublisherModel, UserModel } from '../models';
import { recordSecurityEvent } from './security-events';

export const SESSION_TTL_DAYS = 30;

/**
 * Refresh tokens are `<session id>.<secret>`. Only a hash of the secret is stored; each refresh
 * replaces it and remembers the old hash. Presenting a secret the session once had is reuse:
 * someone else holds a copy, and the whole session is revoked. Any other wrong secret is only
 * refused (the session id is in every access token: knowing it must not be enough to end it).
 */
function newRefreshSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function sameHash(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/**
 * Opens a session in `publisher` and signs its first token pair. `authenticatedAt` is when the
 * user proved who they are: the database's now for a sign-in (revocations are stamped with the
 * same clock), the original sign-in's time for a switch.
 */
export async function openSession(
  ctx: IdentityContext,
  user: UserModel,
  publisher: PublisherModel,
  authenticatedAt?: Date,
): Promise<AuthPayloadModel> {
  const secret = newRefreshSecret();
  const session = await ctx.db.withScope({ userId: user.id, publisherId: publisher.id }, (tx) =>
    tx.userSession.create({
      data: {
        userId: user.id,
        publisherId: publisher.id,
        refreshTokenHash: hashSecret(secret),
        expiresAt: new Date(Date.now() + SESSION_TTL_DAYS * 86_400_000),
        clientIp: ctx.client.ip,
        userAgent: ctx.client.userAgent?.slice(0, 512) ?? null,
        ...(authenticatedAt ? { authenticatedAt } : {}),
      },
      select: { id: true },
    }),
  );
  return tokenPair(ctx, { userId: user.id, publisherId: publisher.id, sessionId: session.id }, secret, user, publisher);
}

async function tokenPair(
  ctx: IdentityContext,
  principal: Principal,
  secret: string,
  user: UserModel,
  publisher: PublisherModel,
): Promise<AuthPayloadModel> {
  const access = await signAccessToken(await ctx.keys.current(), ctx.tokenSettings, principal);
  ctx.signedIn = { userId: user.id };
  const { id, slug, name, type } = publisher;
  return {
    accessToken: access.token,
    expiresAt: access.expiresAt,
    refreshToken: `${principal.sessionId}.${secret}`,
    user,
    activePublisher: { id, slug, name, type },
  };
}

const INVALID_REFRESH = 'The refresh token is not valid; sign in again';

export async function refreshSession(ctx: IdentityContext, refreshToken: string): Promise<AuthPayloadModel> {
  const [sessionId, secret, extra] = refreshToken.split('.');
  if (!sessionId || !secret || extra !== undefined || !isUuid(sessionId)) throw unauthenticated(INVALID_REFRESH);
  const owner = await ctx.db.withScope({ sessionId }, (tx) =>
    tx.userSession.findUnique({ where: { id: sessionId }, select: { userId: true, publisherId: true } }),
  );
  if (!owner) throw unauthenticated(INVALID_REFRESH);

  const scope = { sessionId, userId: owner.userId, publisherId: owner.publisherId };
  const outcome = await ctx.db.withScope(scope, async (tx) => {
    // Row lock: two refreshes with the same token cannot both succeed.
    await tx.$executeRaw`SELECT 1 FROM user_sessions WHERE id = ${sessionId}::uuid FOR UPDATE`;
    const session = await tx.userSession.findUniqueOrThrow({
      where: { id: sessionId },
      include: {
        user: { select: { id: true, email: true, displayName: true, status: true } },
        publisher: { select: { id: true, slug: true, name: true, type: true, status: true } },
      },
    });
    if (session.revokedAt || session.expiresAt <= new Date()) return { kind: 'ended' as const };
    const presented = hashSecret(secret);
    if (!sameHash(session.refreshTokenHash, presented)) {
      const rotated = await tx.refreshTokenRotation.findUnique({
        where: { sessionId_tokenHash: { sessionId, tokenHash: presented } },
        select: { sessionId: true },
      });
      if (!rotated) return { kind: 'wrong' as const };
      await revoke(tx, { id: sessionId }, 'refresh token reused');
      await recordSecurityEvent(tx, {
        kind: 'session.refresh_token_reused',
        userId: owner.userId,
        publisherId: owner.publisherId,
        sessionId,
        client: ctx.client,
      });
      return { kind: 'reused' as const };
    }
    const membership = await tx.membership.findUnique({
      where: { publisherId_userId: { publisherId: owner.publisherId, userId: owner.userId } },
      select: { status: true },
    });
    if (session.user.status !== 'ACTIVE' || membership?.status !== 'ACTIVE' || session.publisher.status !== 'ACTIVE')
      return { kind: 'ended' as const };
    const next = newRefreshSecret();
    await tx.refreshTokenRotation.create({ data: { sessionId, tokenHash: presented } });
    await tx.userSession.update({ where: { id: sessionId }, data: { refreshTokenHash: hashSecret(next), lastUsedAt: new Date() } });
    return { kind: 'renewed' as const, secret: next, user: session.user, publisher: session.publisher };
  });
  // The revocation above is committed before this error leaves: reuse must end the session.
  if (outcome.kind === 'reused') {
    ctx.log.warn({ event: 'session.refresh_token_reused', sessionId, userId: owner.userId }, 'refresh token reused; session revoked');
    throw unauthenticated(INVALID_REFRESH);
  }
  if (outcome.kind === 'wrong') throw unauthenticated(INVALID_REFRESH);
  if (outcome.kind === 'ended') throw unauthenticated('The session has ended; sign in again');
  const { id, email, displayName } = outcome.user;
  const { slug, name, type } = outcome.publisher;
  return tokenPair(
    ctx,
    { userId: owner.userId, publisherId: owner.publisherId, sessionId },
    outcome.secret,
    { id, email, displayName },
    { id: owner.publisherId, slug, name, type },
  );
}

export async function logout(ctx: IdentityContext): Promise<boolean> {
  const principal = requirePrincipal(ctx);
  const { count } = await ctx.inScope((tx) => revoke(tx, { id: principal.sessionId, userId: principal.userId }, 'logout'));
  ctx.forgetAccess();
  return count > 0;
}

export async function logoutEverywhere(ctx: IdentityContext): Promise<number> {
  const principal = requirePrincipal(ctx);
  const { count } = await ctx.db.withScope({ userId: principal.userId }, (tx) =>
    revoke(tx, { userId: principal.userId }, 'logout everywhere'),
  );
  ctx.forgetAccess();
  return count;
}

export async function sessionsOfCaller(ctx: IdentityContext) {
  const principal = requirePrincipal(ctx);
  const sessions = await ctx.db.withScope({ userId: principal.userId }, (tx) =>
    tx.userSession.findMany({
      where: { userId: principal.userId, revokedAt: null, expiresAt: { gt: new Date() } },
      include: { publisher: { select: { id: true, slug: true, name: true, type: true } } },
      orderBy: { createdAt: 'desc' },
    }),
  );
  return sessions.map((s) => ({ ...s, activePublisher: s.publisher, current: s.id === principal.sessionId }));
}

/** Ends the open sessions matching `where`; the ones already ended keep their reason. */
export function revoke(tx: Tx, where: { id?: string; userId?: string; publisherId?: string }, reason: string) {
  return tx.userSession.updateMany({ where: { ...where, revokedAt: null }, data: { revokedAt: new Date(), revokedReason: reason } });
}
