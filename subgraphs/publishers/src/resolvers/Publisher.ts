import { actorOf } from '@platform/access';
import type { PublisherResolvers } from '../generated/resolvers-types';
import { accountOfPublisher } from '../billing/account';
import { requireActivePublisher } from '../publishers/publishers';

export const Publisher: PublisherResolvers = {
  __resolveReference: ({ id }, ctx) => ctx.loaders.publisher.load(id),
  account: (publisher, _, ctx) => ctx.act((tx, actor) => accountOfPublisher(tx, actor, publisher.id)),
  settings: (publisher, _, ctx) => {
    requireActivePublisher(actorOf(ctx), publisher.id);
    return publisher.settings;
  },
};
