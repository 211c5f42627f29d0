import type { AccountResolvers } from '../generated/resolvers-types';

export const Account: AccountResolvers = {
  plan: (account) => account.plan.key,
  planDetails: (account) => account.plan,
  subscriptionStatus: (account) => account.status,
  usage: (account) => ({
    seatsUsed: account.seatsUsed,
    seatLimit: account.seatLimit,
    partnerClients: account.partnerClients,
    partnerClientLimit: account.plan.partnerClientLimit,
    apiCallsThisMonth: account.apiCallsThisMonth,
    apiCallsPerMonthLimit: account.plan.apiCallsPerMonth === null ? null : Number(account.plan.apiCallsPerMonth),
  }),
};
