import type { Prisma, Tx } from '@platform/db';

export type SecurityEventKind =
  | 'login.failed'
  | 'login.locked_out'
  | 'login.throttled'
  | 'login.directory_refused'
  | 'login.directory_unavailable'
  | 'login.directory_no_group'
  | 'login.directory_no_email'
  | 'session.refresh_token_reused'
  | 'session.revoked_by_admin'
  | 'password.changed'
  | 'password.reset_requested'
  | 'password.reset';

export interface SecurityEvent {
  kind: SecurityEventKind;
  userId?: string | null;
  publisherId?: string | null;
  sessionId?: string | null;
  client?: { ip: string | null; userAgent: string | null };
  data?: Prisma.InputJsonObject;
}

/**
 * Security signals for operators and publisher admins, in the caller's transaction. Written
 * without RETURNING: an event outside any publisher (a failed login) is not readable by the
 * caller, and reading it back is not needed.
 */
export async function recordSecurityEvent(tx: Tx, event: SecurityEvent): Promise<void> {
  await tx.securityEvent.createMany({
    data: {
      kind: event.kind,
      userId: event.userId ?? null,
      publisherId: event.publisherId ?? null,
      sessionId: event.sessionId ?? null,
      clientIp: event.client?.ip ?? null,
      userAgent: event.client?.userAgent?.slice(0, 512) ?? null,
      data: event.data ?? {},
    },
  });
}
