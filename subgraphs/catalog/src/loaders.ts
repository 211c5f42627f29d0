import DataLoader from 'dataloader';
import { isUuid, type Recording, type Songwriter, type Tx, type Work, type WorkWriter } from '@platform/db';
import { requirePrincipal, type RequestContext } from '@platform/access';

export interface CatalogLoaders {
  work: DataLoader<string, Work | null>;
  songwriter: DataLoader<string, Songwriter | null>;
  recording: DataLoader<string, Recording | null>;
  writersOfWork: DataLoader<string, WorkWriter[]>;
}

/**
 * Per-request batching: a page of works with their writers is three queries, not one per row.
 * A malformed or invisible id resolves to null, exactly like an id that does not exist.
 */
export function createLoaders(ctx: RequestContext): CatalogLoaders {
  const byId = <T extends { id: string }>(fetch: (tx: Tx, publisherId: string, ids: string[]) => Promise<T[]>) =>
    new DataLoader<string, T | null>(async (keys) => {
      const ids = keys.filter(isUuid).map((id) => id.toLowerCase());
      const rows = ids.length ? await ctx.inScope((tx) => fetch(tx, requirePrincipal(ctx).publisherId, ids)) : [];
      const found = new Map(rows.map((row) => [row.id, row]));
      return keys.map((key) => found.get(key.toLowerCase()) ?? null);
    });
  return {
    work: byId((tx, publisherId, ids) => tx.work.findMany({ where: { publisherId, id: { in: ids } } })),
    songwriter: byId((tx, publisherId, ids) => tx.songwriter.findMany({ where: { publisherId, id: { in: ids } } })),
    recording: byId((tx, publisherId, ids) => tx.recording.findMany({ where: { publisherId, id: { in: ids } } })),
    writersOfWork: new DataLoader(async (workIds) => {
      const rows = await ctx.inScope((tx) =>
        tx.workWriter.findMany({
          where: { publisherId: requirePrincipal(ctx).publisherId, workId: { in: [...workIds] } },
          orderBy: [{ share: 'desc' }, { songwriterId: 'asc' }],
        }),
      );
      return workIds.map((id) => rows.filter((row) => row.workId === id));
    }),
  };
}
