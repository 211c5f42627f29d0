import type { MutationResolvers } from '../generated/resolvers-types';
import { acceptInvitation } from '../services/invitations';
import { login, switchPublisher } from '../services/login';
import { changePassword, requestPasswordReset, resetPassword } from '../services/passwords';
import { logout, logoutEverywhere, refreshSession } from '../services/sessions';

export const Mutation: MutationResolvers = {
  login: (_, { input }, ctx) => login(ctx, input),
  refreshSession: (_, { refreshToken }, ctx) => refreshSession(ctx, refreshToken),
  switchPublisher: (_, { publisher }, ctx) => switchPublisher(ctx, publisher),
  logout: (_, __, ctx) => logout(ctx),
  logoutEverywhere: (_, __, ctx) => logoutEverywhere(ctx),
  changePassword: (_, { input }, ctx) => changePassword(ctx, input),
  requestPasswordReset: (_, { email }, ctx) => requestPasswordReset(ctx, email),
  resetPassword: (_, { input }, ctx) => resetPassword(ctx, input),
  acceptInvitation: (_, { input }, ctx) => acceptInvitation(ctx, input),
};
