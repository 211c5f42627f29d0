import type { Prisma, Tx } from '@platform/db';

export interface Change {
  entityType: string;
  entityId: string;
  /** The event type, e.g. `work.created`. */
  action: string;
  data: Prisma.InputJsonObject;
}

/** Who made a change: a user, or nobody for the platform's own work (a directory sync). */
export interface ChangeActor {
  userId: string | null;
  publisherId: string;
}

/**
 * Records a change in the audit log and as a domain event in the outbox, inside the caller's
 * transaction: the change, its audit entry and its event commit or roll back together.
 */
export function recordChange(tx: Tx, actor: ChangeActor, change: Change): Promise<void> {
  return recordChanges(tx, actor, [change]);
}

/** Many changes by one actor at once, as recordChange records each: two statements in all. */
export async function recordChanges(tx: Tx, actor: ChangeActor, changes: Change[]): Promise<void> {
  if (changes.length === 0) return;
  const occurredAt = new Date().toISOString();
  await tx.auditLogEntry.createMany({
    data: changes.map((change) => ({
      publisherId: actor.publisherId,
      actorUserId: actor.userId,
      action: change.action,
      entityType: change.entityType,
      entityId: change.entityId,
      data: change.data,
    })),
  });
  await tx.outboxEvent.createMany({
    data: changes.map((change) => ({
      publisherId: actor.publisherId,
      aggregateType: change.entityType,
      aggregateId: change.entityId,
      eventType: change.action,
      payload: { ...change.data, actorUserId: actor.userId, occurredAt },
    })),
  });
}
