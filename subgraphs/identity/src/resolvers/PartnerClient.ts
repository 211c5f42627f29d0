import type { PartnerClientResolvers } from '../generated/resolvers-types';

export const PartnerClient: PartnerClientResolvers = {
  createdBy: (client, _, ctx) => ctx.loaders.user.load(client.createdBy),
  lastUsedAt: async (client, _, ctx) => (await ctx.loaders.partnerUsage.load(client.id)).lastUsedAt,
  usage: async (client, _, ctx) => (await ctx.loaders.partnerUsage.load(client.id)).operations,
};
