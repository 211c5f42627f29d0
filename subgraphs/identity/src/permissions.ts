import { and, or, rule } from 'graphql-shield';
import { can, entitiesRule, isMember, isPerson, isPublic, isSelf, type IRules } from '@platform/access';
import type { IdentityContext } from './context';

const isUserJustSignedIn = rule('is-user-just-signed-in', { cache: 'strict' })(
  (parent: { id: string }, _args, ctx: IdentityContext) => ctx.signedIn?.userId === parent.id,
);

/** Partner keys are issued and lists registered by people: a key never manages keys. */
const managesPartners = and(isPerson, can('partner:manage'));

/** Anything not named here is denied. */
export const identityRules: IRules = {
  Query: {
    // A partner key acts for the client, not as its creator: nothing of the person's own.
    me: isPerson,
    mySessions: isPerson,
    directory: can('directory:read'),
    partnerClients: can('partner:manage'),
    persistedQueries: can('partner:manage'),
    securityOverview: can('security:read'),
    _entities: entitiesRule({ User: 'member' }),
  },
  Mutation: {
    // These are how a caller without a valid access token gets one.
    login: isPublic,
    refreshSession: isPublic,
    requestPasswordReset: isPublic,
    resetPassword: isPublic,
    acceptInvitation: isPublic,
    switchPublisher: isPerson,
    logout: isPerson,
    logoutEverywhere: isPerson,
    changePassword: isPerson,
    configureDirectory: can('directory:manage'),
    removeDirectory: can('directory:manage'),
    testDirectoryConnection: can('directory:manage'),
    syncDirectory: can('directory:manage'),
    createPartnerClient: managesPartners,
    rotatePartnerKey: managesPartners,
    revokePartnerClient: managesPartners,
    setPartnerClientMode: managesPartners,
    registerPersistedQueries: managesPartners,
  },
  // Reachable only through the directory fields above, which carry the permission.
  Directory: isMember,
  DirectoryGroupMapping: isMember,
  DirectorySyncResult: isMember,
  DirectoryConnectionTest: isMember,
  DirectoryTestStep: isMember,
  // Reachable only through the partner fields above, which carry the permission.
  PartnerClient: isMember,
  PartnerKeyPayload: isMember,
  PartnerOperationUsage: isMember,
  PersistedQueryList: isMember,
  PersistedQueryOperation: isMember,
  PersistedQueryRegistration: isMember,
  // Reachable only through securityOverview, which carries the permission.
  SecurityOverview: can('security:read'),
  SecurityEventCount: can('security:read'),
  SecurityAlert: can('security:read'),
  SecurityAlertRule: can('security:read'),
  SecurityEvent: can('security:read'),
  SecurityEventDetail: can('security:read'),
  AuthPayload: isPublic,
  Publisher: isPublic,
  // Reachable only through mySessions: the caller's own, in a publisher or on the platform.
  Session: isPerson,
  // Row-level security narrows users to the caller and the members of the active publisher. A
  // member's email is personal data: on every path (work.createdBy, auditLog.actor, …) it needs
  // member:read, like the members list, unless it is the caller's own.
  User: {
    // isSelf: an operator, in no publisher, reads themselves (me).
    '*': or(isMember, isUserJustSignedIn, isSelf),
    email: or(isSelf, isUserJustSignedIn, can('member:read')),
  },
};
