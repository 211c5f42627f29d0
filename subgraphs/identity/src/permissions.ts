import { or, rule } from 'graphql-shield';
import { can, entitiesRule, isMember, isPublic, type IRules } from '@platform/server';
import type { IdentityContext } from './context';

const isUserJustSignedIn = rule('is-user-just-signed-in', { cache: 'strict' })(
  (parent: { id: string }, _args, ctx: IdentityContext) => ctx.signedIn?.userId === parent.id,
);

/** Anything not named here is denied. */
export const identityRules: IRules = {
  Query: {
    me: isMember,
    mySessions: isMember,
    _entities: entitiesRule({ User: 'member' }),
  },
  Mutation: {
    // These are how a caller without a valid access token gets one.
    login: isPublic,
    refreshSession: isPublic,
    requestPasswordReset: isPublic,
    resetPassword: isPublic,
    acceptInvitation: isPublic,
    switchPublisher: isMember,
    logout: isMember,
    logoutEverywhere: isMember,
    changePassword: isMember,
  },
  AuthPayload: isPublic,
  Publisher: isPublic,
  Session: isMember,
  // Row-level security narrows users to the caller and the members of the active publisher.
  User: or(isMember, isUserJustSignedIn),
};
