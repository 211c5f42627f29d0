import type { Tx } from '@platform/db';

/** Which open sessions to end: all of a user's, one session, or a user's in one publisher. */
export interface SessionSelection {
  userId: string;
  publisherId?: string;
  sessionId?: string;
  /** Keeps the session the request comes from (a password change ends only the others). */
  exceptSessionId?: string;
}

/**
 * Ends the open sessions selected, in the caller's transaction, and answers how many it ended.
 * Sessions already ended keep their first reason. Owned by identity (which owns `user_sessions`);
 * publishers calls it when a member is removed or their sessions revoked, in the same
 * transaction as that change.
 */
export async function endSessions(tx: Tx, selection: SessionSelection, reason: string): Promise<number> {
  const { count } = await tx.userSession.updateMany({
    where: {
      userId: selection.userId,
      revokedAt: null,
      ...(selection.publisherId ? { publisherId: selection.publisherId } : {}),
      ...(selection.sessionId ? { id: selection.sessionId } : {}),
      ...(selection.exceptSessionId ? { id: { not: selection.exceptSessionId } } : {}),
    },
    data: { revokedAt: new Date(), revokedReason: reason },
  });
  return count;
}
