import type { Actor } from '@platform/auth';
import { isUuid, type AuditLogEntry, type Prisma, type Tx } from '@platform/db';
import { InvalidInput } from '@platform/errors';
import { AUDIT_ACTIONS, isAuditAction } from '@platform/events';
import { connectionOf, decodeCursor, pageSize, type Connection } from '@platform/paging';

export interface AuditLogFilter {
  /** A user's or a partner client's id. */
  actor?: string | null;
  /** An action (`member.invited`), or every action of a kind (`member.*`). */
  action?: string | null;
  /** The id of what was changed. */
  target?: string | null;
  from?: Date | null;
  to?: Date | null;
}

/** The rows a filter selects in the active publisher; each part checked before it reaches SQL. */
export function auditLogWhere(actor: Actor, filter: AuditLogFilter | null | undefined): Prisma.AuditLogEntryWhereInput {
  const where: Prisma.AuditLogEntryWhereInput[] = [{ publisherId: actor.publisherId }];
  if (filter?.actor != null) {
    if (!isUuid(filter.actor)) throw new InvalidInput("filter.actor must be a user's or a partner client's id", 'filter.actor');
    const id = filter.actor.toLowerCase();
    where.push({ OR: [{ actorUserId: id }, { actorPartnerClientId: id }] });
  }
  if (filter?.action != null) where.push({ action: actionFilter(filter.action) });
  if (filter?.target != null) {
    const target = filter.target.trim();
    if (!target || target.length > 200) throw new InvalidInput('filter.target must be the id of what was changed', 'filter.target');
    where.push({ entityId: target });
  }
  if (filter?.from && filter.to && filter.from >= filter.to) throw new InvalidInput('filter.from must be before filter.to', 'filter.from');
  if (filter?.from) where.push({ createdAt: { gte: filter.from } });
  if (filter?.to) where.push({ createdAt: { lt: filter.to } });
  return { AND: where };
}

function actionFilter(action: string): Prisma.StringFilter | string {
  const value = action.trim();
  if (value.endsWith('.*')) {
    const kind = value.slice(0, -1);
    if (AUDIT_ACTIONS.some((a) => a.startsWith(kind))) return { startsWith: kind };
  } else if (isAuditAction(value)) {
    return value;
  }
  const kinds = [...new Set(AUDIT_ACTIONS.map((a) => a.split('.')[0]))].join(', ');
  throw new InvalidInput(
    `filter.action must be an action such as "member.invited", or a kind such as "member.*" (kinds: ${kinds})`,
    'filter.action',
  );
}

/** The publisher's log, newest first, keyset-paged on its sequence number. */
export async function auditLog(
  tx: Tx,
  actor: Actor,
  query: { filter?: AuditLogFilter | null; first?: number | null; after?: string | null },
): Promise<Connection<AuditLogEntry>> {
  const size = pageSize(query.first);
  const where = auditLogWhere(actor, query.filter);
  const after = query.after ? BigInt(decodeCursor(query.after, ['integer'])[0]!) : null;
  const rows = await tx.auditLogEntry.findMany({
    where: after === null ? where : { AND: [where, { seq: { lt: after } }] },
    orderBy: { seq: 'desc' },
    take: size + 1,
  });
  return connectionOf(rows, size, await tx.auditLogEntry.count({ where }), (e) => [e.seq.toString()]);
}
