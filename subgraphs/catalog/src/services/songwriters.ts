import type { Prisma, Songwriter } from '@platform/db';
import { requirePrincipal, type RequestContext } from '@platform/server';
import { connectionOf, decodeCursor, pageSize, seekAfter, type Connection } from '@platform/server';

export interface SongwriterQuery {
  first?: number | null;
  after?: string | null;
  filter?: { nameContains?: string | null } | null;
}

export async function listSongwriters(ctx: RequestContext, query: SongwriterQuery): Promise<Connection<Songwriter>> {
  const size = pageSize(query.first);
  const after = query.after ? decodeCursor(query.after, 2) : null;
  const where: Prisma.SongwriterWhereInput = { publisherId: requirePrincipal(ctx).publisherId };
  if (query.filter?.nameContains) where.name = { contains: query.filter.nameContains, mode: 'insensitive' };
  return ctx.inScope(async (tx) => {
    const rows = await tx.songwriter.findMany({
      where: { AND: [where, after ? seekAfter('name', after) : {}] },
      orderBy: [{ name: 'asc' }, { id: 'asc' }],
      take: size + 1,
    });
    return connectionOf(rows, size, await tx.songwriter.count({ where }), (s) => [s.name, s.id]);
  });
}
