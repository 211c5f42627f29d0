import type { Operator } from '@platform/auth';
import { continueInPublisher, type PlatformAuditEntry, type Prisma, type Tx } from '@platform/db';
import type { ChangeActor } from '@platform/events';
import { connectionOf, decodeCursor, pageSize, type Connection } from '@platform/paging';

/** What operators do, as the platform's own log names it. */
export const PLATFORM_ACTIONS = [
  'account.created',
  'account.subscription_changed',
  'publisher.created',
  'publisher.first_owner_invited',
  'publisher.suspended',
  'publisher.reactivated',
  'publisher.type_changed',
  'publisher.offboarding_started',
  'publisher.exported',
  'publisher.offboarded',
  'support.requested',
  'support.break_glass',
] as const;

export type PlatformAction = (typeof PLATFORM_ACTIONS)[number];

/**
 * Records an operator's act in the platform's log, in the transaction of the act. Written before
 * the transaction moves into a publisher (`asOperatorIn`): the log's row policy admits an
 * operator's entries only in a platform scope.
 */
export async function recordPlatformAct(
  tx: Tx,
  operator: Operator,
  act: { action: PlatformAction; publisherId?: string | null; accountId?: string | null; data: Prisma.InputJsonObject },
): Promise<void> {
  await tx.platformAuditEntry.create({
    data: {
      actorUserId: operator.userId,
      action: act.action,
      publisherId: act.publisherId ?? null,
      accountId: act.accountId ?? null,
      data: act.data,
      requestId: operator.request?.id.slice(0, 200) ?? null,
      clientIp: operator.request?.clientIp?.slice(0, 100) ?? null,
    },
  });
}

/**
 * Moves the operator's transaction into a publisher, for the rest of it, and returns the operator
 * as that publisher's audit log names them (PLATFORM_OPERATOR). From here on the transaction sees
 * that publisher's rows as its own members would, and no platform permission applies (the
 * database grants those only without a publisher): platform work comes first.
 */
export async function asOperatorIn(tx: Tx, operator: Operator, publisherId: string): Promise<ChangeActor & { userId: string }> {
  await continueInPublisher(tx, publisherId);
  return { publisherId, userId: operator.userId, platformOperator: true, request: operator.request };
}

/** The platform's log, newest first, keyset-paged on its sequence; optionally one publisher's. */
export async function platformAuditLog(
  tx: Tx,
  query: { publisherId?: string | null; first?: number | null; after?: string | null },
): Promise<Connection<PlatformAuditEntry>> {
  const size = pageSize(query.first);
  const where: Prisma.PlatformAuditEntryWhereInput = query.publisherId ? { publisherId: query.publisherId } : {};
  const after = query.after ? BigInt(decodeCursor(query.after, ['integer'])[0]!) : null;
  const rows = await tx.platformAuditEntry.findMany({
    where: after === null ? where : { AND: [where, { sequence: { lt: after } }] },
    orderBy: { sequence: 'desc' },
    take: size + 1,
  });
  return connectionOf(rows, size, await tx.platformAuditEntry.count({ where }), (e) => [e.sequence.toString()]);
}
