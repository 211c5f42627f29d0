import { or, rule } from 'graphql-shield';
import { can, entitiesRule, isMember, isPublic, isSelf, type IRules } from '@platform/access';
import type { IdentityContext } from './context';

const isUserJustSignedIn = rule('is-user-just-signed-in', { cache: 'strict' })(
  (parent: { id: string }, _args, ctx: IdentityContext) => ctx.signedIn?.userId === parent.id,
);

/** Anything not named here is denied. */
export const identityRules: IRules = {
  Query: {
    me: isMember,
    mySessions: isMember,
    directory: can('directory:read'),
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
    configureDirectory: can('directory:manage'),
    removeDirectory: can('directory:manage'),
    testDirectoryConnection: can('directory:manage'),
    syncDirectory: can('directory:manage'),
  },
  // Reachable only through the directory fields above, which carry the permission.
  Directory: isMember,
  DirectoryGroupMapping: isMember,
  DirectorySyncResult: isMember,
  DirectoryConnectionTest: isMember,
  DirectoryTestStep: isMember,
  AuthPayload: isPublic,
  Publisher: isPublic,
  Session: isMember,
  // Row-level security narrows users to the caller and the members of the active publisher. A
  // member's email is personal data: on every path (work.createdBy, auditLog.actor, …) it needs
  // member:read, like the members list, unless it is the caller's own.
  User: {
    '*': or(isMember, isUserJustSignedIn),
    email: or(isSelf, isUserJustSignedIn, can('member:read')),
  },
};
