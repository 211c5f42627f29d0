import DataLoader from 'dataloader';
import { isUuid, type Publisher } from '@platform/db';
import type { RequestContext } from '@platform/access';

/** Publishers by id as row-level security shows them: the active one and the caller's own. */
export function createPublisherLoader(ctx: RequestContext): DataLoader<string, Publisher | null> {
  return new DataLoader(async (keys) => {
    const ids = keys.filter(isUuid).map((id) => id.toLowerCase());
    const rows = ids.length ? await ctx.read((tx) => tx.publisher.findMany({ where: { id: { in: ids } } })) : [];
    const byId = new Map(rows.map((p) => [p.id, p]));
    return keys.map((key) => byId.get(key.toLowerCase()) ?? null);
  });
}
