import { rule } from 'graphql-shield';
import { entitiesRule, forbidden, isMember, unauthenticated, type IRules, type RequestContext } from '@platform/server';

/** A user's memberships elsewhere and their grants are theirs alone to read. */
const isSelf = rule('is-self', { cache: 'strict' })((parent: { id: string }, _args, ctx: RequestContext) => {
  if (!ctx.principal) return unauthenticated();
  return parent.id === ctx.principal.userId || forbidden('Only your own memberships and permissions can be read');
});

/** Anything not named here is denied. */
export const publishersRules: IRules = {
  Query: {
    publishers: isMember,
    publisher: isMember,
    _entities: entitiesRule({ Publisher: 'member', User: 'member' }),
  },
  Publisher: isMember,
  Membership: isMember,
  Role: isMember,
  User: { id: isMember, memberships: isSelf, permissions: isSelf },
};
