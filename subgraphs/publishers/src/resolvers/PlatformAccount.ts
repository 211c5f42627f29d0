import type { PlatformAccountResolvers } from '../generated/resolvers-types';

export const PlatformAccount: PlatformAccountResolvers = {
  status: (account) => account.subscriptionStatus,
};
