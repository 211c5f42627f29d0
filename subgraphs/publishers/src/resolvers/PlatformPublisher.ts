import type { PlatformPublisherResolvers } from '../generated/resolvers-types';

export const PlatformPublisher: PlatformPublisherResolvers = {
  account: (publisher, _, ctx) => ctx.operate((tx) => tx.account.findUniqueOrThrow({ where: { id: publisher.accountId } })),
};
