import type { AuditLogEntry } from '@platform/db';
import { connectionOf, decodeCursor, pageSize, requirePrincipal, type Connection, type RequestContext } from '@platform/server';

/** The publisher's changes, newest first, keyset-paged on (created_at, id). */
export async function auditLog(
  ctx: RequestContext,
  query: { first?: number | null; after?: string | null },
): Promise<Connection<AuditLogEntry>> {
  const { publisherId } = requirePrincipal(ctx);
  const size = pageSize(query.first);
  const after = query.after ? decodeCursor(query.after, ['timestamp', 'uuid']) : null;
  const before = after
    ? { OR: [{ createdAt: { lt: new Date(after[0]!) } }, { createdAt: new Date(after[0]!), id: { lt: after[1]! } }] }
    : {};
  return ctx.inScope(async (tx) => {
    const rows = await tx.auditLogEntry.findMany({
      where: { AND: [{ publisherId }, before] },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: size + 1,
    });
    return connectionOf(rows, size, await tx.auditLogEntry.count({ where: { publisherId } }), (e) => [e.createdAt.toISOString(), e.id]);
  });
}
