import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { signAccessToken, type TokenPrincipal } from '@platform/auth';
import { isUuid, type ScopedDatabase } from '@platform/db';
import { NotSignedIn } from '@platform/errors';
import { endSessions } from '@platform/sessions';
import type { Client, IdentityServices } from '../context';
import type { AuthPayloadModel, PublisherModel, UserModel } from '../models';
import { reportSecurityEvent } from '../security-events';

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

/** Where a session works: one publisher, or the platform (an operator, in no publisher). */
export type SessionPlace = { publisher: PublisherModel } | { platformRole: string };

/**
 * Opens a session in a publisher or on the platform and signs its first token pair.
 * `authenticatedAt` is when the user proved who they are: the database's now for a sign-in
 * (revocations are stamped with the same clock), the original sign-in's time for a switch.
 */
export async function openSession(
  services: IdentityServices,
  client: Client,
  user: UserModel,
  place: SessionPlace,
  authenticatedAt?: Date,
): Promise<AuthPayloadModel> {
  const secret = newRefreshSecret();
  const publisherId = 'publisher' in place ? place.publisher.id : null;
  const session = await services.db.withScope({ userId: user.id, publisherId }, (tx) =>
    tx.userSession.create({
      data: {
        userId: user.id,
        publisherId,
        refreshTokenHash: hashSecret(secret),
        expiresAt: new Date(Date.now() + SESSION_TTL_DAYS * 86_400_000),
        clientIp: client.ip,
        userAgent: client.userAgent?.slice(0, 512) ?? null,
        ...(authenticatedAt ? { authenticatedAt } : {}),
      },
      select: { id: true },
    }),
  );
  reportSecurityEvent(services, {
    kind: authenticatedAt ? 'session.switched' : 'session.signed_in',
    publisherId,
    userId: user.id,
    sessionId: session.id,
    client,
    ...('platformRole' in place ? { data: { platformRole: place.platformRole } } : {}),
  });
  return tokenPair(services, session.id, secret, user, place);
}

async function tokenPair(
  services: IdentityServices,
  sessionId: string,
  secret: string,
  user: UserModel,
  place: SessionPlace,
): Promise<AuthPayloadModel> {
  const principal: TokenPrincipal =
    'publisher' in place ? { userId: user.id, publisherId: place.publisher.id, sessionId } : { userId: user.id, sessionId, platform: true };
  const access = await signAccessToken(await services.keys.current(), services.tokenSettings, principal);
  return {
    accessToken: access.token,
    expiresAt: access.expiresAt,
    refreshToken: `${sessionId}.${secret}`,
    user,
    activePublisher: 'publisher' in place ? pick(place.publisher) : null,
    platformRole: 'platformRole' in place ? place.platformRole : null,
  };
}

function pick({ id, slug, name, type }: PublisherModel): PublisherModel {
  return { id, slug, name, type };
}

/** The platform role of a person (their own row of platform_staff), or null. */
export async function platformRoleOf(db: ScopedDatabase, userId: string): Promise<string | null> {
  const staff = await db.withScope({ userId }, (tx) => tx.platformStaff.findUnique({ where: { userId }, select: { roleKey: true } }));
  return staff?.roleKey ?? null;
}

const INVALID_REFRESH = 'The refresh token is not valid; sign in again';

export async function refreshSession(services: IdentityServices, client: Client, refreshToken: string): Promise<AuthPayloadModel> {
  const [sessionId, secret, extra] = refreshToken.split('.');
  if (!sessionId || !secret || extra !== undefined || !isUuid(sessionId)) throw new NotSignedIn(INVALID_REFRESH);
  const owner = await services.db.withScope({ sessionId }, (tx) =>
    tx.userSession.findUnique({ where: { id: sessionId }, select: { userId: true, publisherId: true } }),
  );
  if (!owner) throw new NotSignedIn(INVALID_REFRESH);

  const scope = { sessionId, userId: owner.userId, publisherId: owner.publisherId };
  const outcome = await services.db.withScope(scope, async (tx) => {
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
      await endSessions(tx, { userId: owner.userId, sessionId }, 'refresh token reused');
      // Reported as seen, whatever becomes of this transaction.
      reportSecurityEvent(services, {
        kind: 'session.refresh_token_reused',
        userId: owner.userId,
        publisherId: owner.publisherId,
        sessionId,
        client,
      });
      return { kind: 'reused' as const };
    }
    // A member still, or an account role holder (the publisher is active in both answers); on
    // the platform, someone who still holds a platform role.
    const [{ enterable, platform_role }] = await tx.$queryRaw<[{ enterable: boolean; platform_role: string | null }]>`
      SELECT EXISTS (SELECT 1 FROM app_enterable_publishers(${owner.userId}::uuid) WHERE id = ${owner.publisherId}::uuid) AS enterable,
             (SELECT role_key FROM platform_staff WHERE user_id = ${owner.userId}::uuid) AS platform_role`;
    const stillThere = owner.publisherId === null ? platform_role !== null : enterable;
    if (session.user.status !== 'ACTIVE' || !stillThere) return { kind: 'ended' as const };
    const next = newRefreshSecret();
    await tx.refreshTokenRotation.create({ data: { sessionId, tokenHash: presented } });
    await tx.userSession.update({ where: { id: sessionId }, data: { refreshTokenHash: hashSecret(next), lastUsedAt: new Date() } });
    return { kind: 'renewed' as const, secret: next, user: session.user, publisher: session.publisher, platformRole: platform_role };
  });
  // The revocation above is committed before this error leaves: reuse must end the session.
  if (outcome.kind === 'reused') {
    services.log.warn({ event: 'session.refresh_token_reused', sessionId, userId: owner.userId }, 'refresh token reused; session revoked');
    throw new NotSignedIn(INVALID_REFRESH);
  }
  if (outcome.kind === 'wrong') throw new NotSignedIn(INVALID_REFRESH);
  if (outcome.kind === 'ended') throw new NotSignedIn('The session has ended; sign in again');
  const { id, email, displayName } = outcome.user;
  const place: SessionPlace = outcome.publisher ? { publisher: outcome.publisher } : { platformRole: outcome.platformRole! };
  return tokenPair(services, sessionId, outcome.secret, { id, email, displayName }, place);
}

export async function logout(services: IdentityServices, client: Client, principal: TokenPrincipal): Promise<boolean> {
  const publisherId = principal.publisherId ?? null;
  const ended = await services.db.withScope({ userId: principal.userId, publisherId }, (tx) =>
    endSessions(tx, { userId: principal.userId, sessionId: principal.sessionId }, 'logout'),
  );
  const { userId, sessionId } = principal;
  if (ended > 0) reportSecurityEvent(services, { kind: 'session.signed_out', publisherId, userId, sessionId, client });
  return ended > 0;
}

/** Reported in every publisher the person may enter: each one's sessions end. */
export async function logoutEverywhere(services: IdentityServices, client: Client, principal: TokenPrincipal): Promise<number> {
  const ended = await services.db.withScope({ userId: principal.userId }, (tx) =>
    endSessions(tx, { userId: principal.userId }, 'logout everywhere'),
  );
  reportSecurityEvent(services, {
    kind: 'session.signed_out',
    userId: principal.userId,
    client,
    data: { everywhere: true, sessions: ended },
  });
  return ended;
}

export async function sessionsOfCaller(db: ScopedDatabase, principal: TokenPrincipal) {
  const sessions = await db.withScope({ userId: principal.userId }, (tx) =>
    tx.userSession.findMany({
      where: { userId: principal.userId, revokedAt: null, expiresAt: { gt: new Date() } },
      include: { publisher: { select: { id: true, slug: true, name: true, type: true } } },
      orderBy: { createdAt: 'desc' },
    }),
  );
  return sessions.map((s) => ({ ...s, activePublisher: s.publisher, current: s.id === principal.sessionId }));
}
