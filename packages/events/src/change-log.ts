import type { Tx } from '@platform/db';
import type { ChangeAction } from './actions';
import type { ActorType } from './envelope';
import type { EventPayload } from './event-catalog';

/**
 * One change, as its audit entry and its event record it: `data` is the event's payload, of the
 * shape the event catalogue gives its action (event-catalog.ts), and never a secret.
 */
export type Change<A extends ChangeAction = ChangeAction> = ChangeEvent<A> & { entityType: string; entityId: string };

/** An action and its payload: `action` is the event type, e.g. `work.created`. */
export type ChangeEvent<A extends ChangeAction = ChangeAction> = { [K in A]: { action: K; data: EventPayload<K> } }[A];

/**
 * Who made a change. A person (`userId`), a partner key (`partnerClientId`, with the user who
 * issued it), a platform operator acting on the publisher from above (`platformOperator`, with
 * their user id), or the platform's own work: the directory sync, or the platform itself (a
 * billing event). `request` says which request and client address it came from, when one did.
 */
export interface ChangeActor {
  publisherId: string;
  userId: string | null;
  partnerClientId?: string | undefined;
  platformOperator?: boolean;
  /** A platform operator acting inside the publisher through support access (its grant). */
  supportAccessId?: string | undefined;
  system?: 'DIRECTORY_SYNC' | 'SYSTEM';
  request?: { id: string; clientIp: string | null } | undefined;
}

function actorTypeOf(actor: ChangeActor): ActorType {
  if (actor.partnerClientId) return 'PARTNER_CLIENT';
  if (actor.platformOperator && actor.userId) return 'PLATFORM_OPERATOR';
  if (actor.supportAccessId && actor.userId) return 'SUPPORT_ACCESS';
  if (actor.userId) return 'USER';
  return actor.system ?? 'SYSTEM';
}

/**
 * Records a change in the audit log and as a domain event in the outbox, inside the caller's
 * transaction: the change, its audit entry and its event commit or roll back together. The
 * database numbers and chains the entry (migration 012).
 */
export function recordChange(tx: Tx, actor: ChangeActor, change: Change): Promise<void> {
  return recordChanges(tx, actor, [change]);
}

/**
 * Many changes by one actor at once, as recordChange records each: two statements in all, each
 * taking its rows as one JSON parameter (an import records 100,000 changes in batches; built by
 * Prisma's createMany, each batch of 1,000 cost ~24 MB of garbage and ~1 ms a row). Entries keep
 * the order given, which is the order the audit chain and the event sequence number them in.
 */
export async function recordChanges(tx: Tx, actor: ChangeActor, changes: Change[]): Promise<void> {
  if (changes.length === 0) return;
  const actorType = actorTypeOf(actor);
  const userId = actor.userId;
  const partnerClientId = actor.partnerClientId ?? null;
  const rows = JSON.stringify(
    changes.map((change) => ({ action: change.action, entity_type: change.entityType, entity_id: change.entityId, data: change.data })),
  );
  await tx.$executeRaw`
    INSERT INTO audit_log (publisher_id, actor_type, actor_user_id, actor_partner_client_id, action, entity_type, entity_id, data,
                           request_id, client_ip, created_at)
    SELECT ${actor.publisherId}::uuid, ${actorType}, ${userId}::uuid, ${partnerClientId}::uuid, r.action, r.entity_type, r.entity_id, r.data,
           ${actor.request?.id.slice(0, 200) ?? null}, ${actor.request?.clientIp?.slice(0, 100) ?? null}, clock_timestamp()
      FROM ROWS FROM (jsonb_to_recordset(${rows}::jsonb) AS (action text, entity_type text, entity_id text, data jsonb))
           WITH ORDINALITY AS r(action, entity_type, entity_id, data, n)
     ORDER BY r.n`;
  await tx.$executeRaw`
    INSERT INTO outbox (publisher_id, aggregate_type, aggregate_id, event_type, actor_type, actor_user_id, actor_partner_client_id, payload,
                        created_at)
    SELECT ${actor.publisherId}::uuid, r.entity_type, r.entity_id, r.action, ${actorType}, ${userId}::uuid, ${partnerClientId}::uuid, r.data,
           clock_timestamp()
      FROM ROWS FROM (jsonb_to_recordset(${rows}::jsonb) AS (action text, entity_type text, entity_id text, data jsonb))
           WITH ORDINALITY AS r(action, entity_type, entity_id, data, n)
     ORDER BY r.n`;
}
