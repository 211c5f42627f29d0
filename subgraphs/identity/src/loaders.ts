import DataLoader from 'dataloader';
import { isUuid } from '@platform/db';
import type { RequestContext } from '@platform/access';
import type { UserModel } from './models';
import { usageOfClients, type ClientUsage } from './partners/partner-clients';

/**
 * Users by id, as row-level security shows them: the caller and the members of the active
 * publisher. Anyone else resolves to null.
 */
export function createUserLoader(ctx: RequestContext): DataLoader<string, UserModel | null> {
  return new DataLoader(async (keys) => {
    const ids = keys.filter(isUuid).map((id) => id.toLowerCase());
    const rows = ids.length
      ? await ctx.read((tx) => tx.user.findMany({ where: { id: { in: ids } }, select: { id: true, email: true, displayName: true } }))
      : [];
    const byId = new Map(rows.map((u) => [u.id, u]));
    return keys.map((key) => byId.get(key.toLowerCase()) ?? null);
  });
}

/** Partner clients' usage: one read for every client a request lists. */
export function createPartnerUsageLoader(ctx: RequestContext): DataLoader<string, ClientUsage> {
  return new DataLoader(async (clientIds) => {
    const usage = await ctx.read((tx) => usageOfClients(tx, clientIds));
    return clientIds.map((id) => usage.get(id)!);
  });
}
