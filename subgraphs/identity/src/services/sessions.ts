import { createHash, randomBytes } from 'node:crypto';
import type { Tx } from '@platform/db';

export const SESSION_TTL_DAYS = 30;

export interface NewSession {
  id: string;
  refreshToken: string;
}

/**
 * Opens a session and returns its opaque refresh token. Only the token's SHA-256 is stored: a
 * database leak does not hand out live sessions (the token has 256 random bits, so a fast hash
 * is enough).
 */
export async function openSession(
  tx: Tx,
  session: { userId: string; publisherId: string; clientIp: string | null; userAgent: string | null },
): Promise<NewSession> {
  const refreshToken = randomBytes(32).toString('base64url');
  const row = await tx.userSession.create({
    data: {
      ...session,
      userAgent: session.userAgent?.slice(0, 512) ?? null,
      refreshTokenHash: hashRefreshToken(refreshToken),
      expiresAt: new Date(Date.now() + SESSION_TTL_DAYS * 86_400_000),
    },
    select: { id: true },
  });
  return { id: row.id, refreshToken };
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
