import { or, rule } from 'graphql-shield';
import { entitiesRule, isMember, isPublic, type IRules } from '@platform/server';
import type { IdentityContext } from './context';

const isUserJustSignedIn = rule('is-user-just-signed-in', { cache: 'strict' })(
  (parent: { id: string }, _args, ctx: IdentityContext) => ctx.signedIn?.userId === parent.id,
);

/** Anything not named here is denied. */
export const identityRules: IRules = {
  Query: {
    me: isMember,
    _entities: entitiesRule({ User: 'member' }),
  },
  Mutation: {
    login: isPublic,
  },
  // Login answers these before the caller holds a token.
  AuthPayload: isPublic,
  Publisher: isPublic,
  // Row-level security narrows users to the caller and the members of the active publisher.
  User: or(isMember, isUserJustSignedIn),
};
