import { requirePrincipal, requireSession } from '@platform/access';
import type { MutationResolvers } from '../generated/resolvers-types';
import type { IdentityContext } from '../context';
import { configureDirectory, removeDirectory } from '../directory/directory-settings';
import { syncDirectoryNow, testDirectory } from '../directory/directory-admin';
import { createPartnerClient, revokePartnerClient, rotatePartnerKey, setPartnerClientMode } from '../partners/partner-clients';
import { registerPersistedQueries } from '../partners/persisted-queries';
import { acceptInvitation } from '../invitations/accept-invitation';
import type { AuthPayloadModel } from '../models';
import { changePassword, requestPasswordReset, resetPassword } from '../passwords/passwords';
import { logout, logoutEverywhere, refreshSession } from '../sessions/sessions';
import { login, switchPublisher } from '../sign-in/login';

/** Lets the answer show the user this request signed in (identity's User rules read it). */
async function signingIn(ctx: IdentityContext, payload: Promise<AuthPayloadModel>): Promise<AuthPayloadModel> {
  const signedIn = await payload;
  ctx.signedIn = { userId: signedIn.user.id };
  return signedIn;
}

/** This instance re-checks the caller's access on its next request instead of trusting its cache. */
async function forgettingAccess<T>(ctx: IdentityContext, ended: Promise<T>): Promise<T> {
  const result = await ended;
  ctx.forgetAccess();
  return result;
}

export const Mutation: MutationResolvers = {
  login: (_, { input }, ctx) => signingIn(ctx, login(ctx.services, ctx.client, input)),
  refreshSession: (_, { refreshToken }, ctx) => signingIn(ctx, refreshSession(ctx.services, ctx.client, refreshToken)),
  switchPublisher: (_, { publisher }, ctx) => signingIn(ctx, switchPublisher(ctx.services, ctx.client, requireSession(ctx), publisher)),
  acceptInvitation: (_, { input }, ctx) => signingIn(ctx, acceptInvitation(ctx.services, ctx.client, input)),
  logout: (_, __, ctx) => forgettingAccess(ctx, logout(ctx.services, ctx.client, requireSession(ctx))),
  logoutEverywhere: (_, __, ctx) => forgettingAccess(ctx, logoutEverywhere(ctx.services, ctx.client, requireSession(ctx))),
  changePassword: (_, { input }, ctx) => changePassword(ctx.services, ctx.client, requireSession(ctx), input),
  requestPasswordReset: (_, { email }, ctx) => requestPasswordReset(ctx.services, ctx.client, email),
  resetPassword: (_, { input }, ctx) => resetPassword(ctx.services, ctx.client, input),
  configureDirectory: async (_, { input }, ctx) => {
    const { directories } = ctx.services;
    const saved = await ctx.act((tx, actor) =>
      configureDirectory(tx, actor, directories.secrets, { production: directories.production }, input),
    );
    directories.clients.forget(requirePrincipal(ctx).publisherId);
    return saved;
  },
  removeDirectory: (_, __, ctx) => ctx.act((tx, actor) => removeDirectory(tx, actor)),
  testDirectoryConnection: (_, { input }, ctx) => testDirectory(ctx.services, ctx.act, input ?? null),
  syncDirectory: (_, { mode }, ctx) => syncDirectoryNow(ctx.services, requirePrincipal(ctx).publisherId, mode),
  createPartnerClient: (_, { input }, ctx) => ctx.act((tx, actor) => createPartnerClient(tx, actor, input)),
  rotatePartnerKey: (_, { id }, ctx) => ctx.act((tx, actor) => rotatePartnerKey(tx, actor, id)),
  revokePartnerClient: (_, { id }, ctx) => ctx.act((tx, actor) => revokePartnerClient(tx, actor, id)),
  setPartnerClientMode: (_, { id, mode }, ctx) => ctx.act((tx, actor) => setPartnerClientMode(tx, actor, id, mode)),
  registerPersistedQueries: (_, { manifest }, ctx) => ctx.act((tx, actor) => registerPersistedQueries(tx, actor, manifest)),
};
