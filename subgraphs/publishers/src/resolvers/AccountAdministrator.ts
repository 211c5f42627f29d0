import type { AccountAdministratorResolvers } from '../generated/resolvers-types';

export const AccountAdministrator: AccountAdministratorResolvers = {
  user: (administrator) => ({ id: administrator.userId }),
  role: (administrator) => administrator.roleKey,
};
