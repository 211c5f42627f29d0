import type { Actor } from '@platform/auth';
import type { AuditLogEntry, Tx } from '@platform/db';
import { connectionOf, decodeCursor, pageSize, type Connection } from '@platform/paging';

/** The publisher's changes, newest first, keyset-paged on (created_at, id). */
export async function auditLog(
  tx: Tx,
  actor: Actor,
  query: { first?: number | null; after?: string | null },
): Promise<Connection<AuditLogEntry>> {
  const { publisherId } = actor;
  const size = pageSize(query.first);
  const after = query.after ? decodeCursor(query.after, ['timestamp', 'uuid']) : null;
  const before = after
    ? { OR: [{ createdAt: { lt: new Date(after[0]!) } }, { createdAt: new Date(after[0]!), id: { lt: after[1]! } }] }
    : {};
  const rows = await tx.auditLogEntry.findMany({
    where: { AND: [{ publisherId }, before] },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: size + 1,
  });
  return connectionOf(rows, size, await tx.auditLogEntry.count({ where: { publisherId } }), (e) => [e.createdAt.toISOString(), e.id]);
}
