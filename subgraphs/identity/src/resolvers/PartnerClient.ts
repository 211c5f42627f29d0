import type { PartnerClientResolvers } from '../generated/resolvers-types';
import { usageOf } from '../partners/partner-clients';
import type { IdentityContext } from '../context';
import type { PartnerClientModel } from '../partners/partner-clients';

/** One read of a client's usage serves both of its fields. */
const usageByClient = new WeakMap<IdentityContext, Map<string, ReturnType<typeof usageOf>>>();
function usage(ctx: IdentityContext, client: PartnerClientModel) {
  let byClient = usageByClient.get(ctx);
  if (!byClient) usageByClient.set(ctx, (byClient = new Map()));
  let read = byClient.get(client.id);
  if (!read) byClient.set(client.id, (read = ctx.inScope((tx) => usageOf(tx, client.id))));
  return read;
}

export const PartnerClient: PartnerClientResolvers = {
  createdBy: async (client, _, ctx) =>
    (await ctx.loaders.user.load(client.createdBy)) ?? { id: client.createdBy, email: '', displayName: '' },
  lastUsedAt: async (client, _, ctx) => (await usage(ctx, client)).lastUsedAt,
  usage: async (client, _, ctx) => (await usage(ctx, client)).operations,
};
