import type { Prisma, Recording } from '@platform/db';
import { requirePrincipal, type RequestContext } from '@platform/server';
import { connectionOf, decodeCursor, pageSize, seekAfter, type Connection } from '@platform/server';

export interface RecordingQuery {
  first?: number | null;
  after?: string | null;
  filter?: { titleContains?: string | null } | null;
}

export async function listRecordings(ctx: RequestContext, query: RecordingQuery): Promise<Connection<Recording>> {
  const size = pageSize(query.first);
  const after = query.after ? decodeCursor(query.after, 2) : null;
  const where: Prisma.RecordingWhereInput = { publisherId: requirePrincipal(ctx).publisherId };
  if (query.filter?.titleContains) where.title = { contains: query.filter.titleContains, mode: 'insensitive' };
  return ctx.inScope(async (tx) => {
    const rows = await tx.recording.findMany({
      where: { AND: [where, after ? seekAfter('title', after) : {}] },
      orderBy: [{ title: 'asc' }, { id: 'asc' }],
      take: size + 1,
    });
    return connectionOf(rows, size, await tx.recording.count({ where }), (r) => [r.title, r.id]);
  });
}
