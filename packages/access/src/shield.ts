import { allow, rule, shield } from 'graphql-shield';
import type { IRules, IRule } from 'graphql-shield';
import type { GraphQLSchema } from 'graphql';
import { applyMiddleware, type IMiddlewareTypeMap } from 'graphql-middleware';
import { PERMISSIONS, scopeOf, type PermissionKey } from '@platform/permissions';
import { forbidden, unauthenticated } from '@platform/graphql-edge';
import { withSynchronousVerdicts } from './synchronous-verdicts';
import { PERSON_ONLY, PLATFORM_ONLY, PUBLISHER_ONLY, type RequestContext } from './request-context';

export type { IRules, IRule };

const byPermission = new Map<PermissionKey, IRule>();

const PLATFORM_KEYS: ReadonlySet<string> = new Set(PERMISSIONS.filter((p) => scopeOf(p) === 'PLATFORM').map((p) => p.key));

/**
 * Allows a signed-in member whose roles grant `key` in the active publisher, or, for a PLATFORM
 * permission, an operator whose platform role grants it. Each kind of session holds permissions
 * of its own scope only, so neither passes for the other's.
 */
export function can(key: PermissionKey): IRule {
  let existing = byPermission.get(key);
  if (!existing) {
    existing = rule(`can:${key}`, { cache: 'contextual' })((_parent, _args, ctx: RequestContext) => {
      if (!ctx.principal && !ctx.operator) return unauthenticated();
      // A platform permission counts in a platform session only, whatever a publisher's rows say.
      if (PLATFORM_KEYS.has(key) && !ctx.operator) return refusal(ctx, key);
      return ctx.permissions.has(key) || refusal(ctx, key);
    });
    byPermission.set(key, existing);
  }
  return existing;
}

/**
 * Why a permission is missing: a session of the other scope, the account's subscription or the
 * publisher's suspension (with its reason), or the roles.
 */
function refusal(ctx: RequestContext, key: string) {
  if (PLATFORM_KEYS.has(key)) return forbidden(ctx.operator ? `This needs the "${key}" platform permission` : PLATFORM_ONLY);
  if (ctx.operator) return forbidden(PUBLISHER_ONLY);
  if (ctx.withheld?.permissions.has(key)) return forbidden(ctx.withheld.message, ctx.withheld.reason);
  return forbidden(`This needs the "${key}" permission in the active publisher`);
}

/**
 * Allows any signed-in member of the active publisher. For fields of types that are only
 * reachable through a root field already guarded by a permission (connections, page info), and
 * for the caller's own identity. A platform session is in no publisher: refused.
 */
export const isMember = rule('is-member', { cache: 'contextual' })((_parent, _args, ctx: RequestContext) => {
  if (ctx.operator) return forbidden(PUBLISHER_ONLY);
  return ctx.principal ? true : unauthenticated();
});

/**
 * A signed-in person acting on their own session or account, in a publisher or on the platform;
 * a partner key is refused.
 */
export const isPerson = rule('is-person', { cache: 'contextual' })((_parent, _args, ctx: RequestContext) => {
  if (ctx.operator) return true;
  if (!ctx.principal) return unauthenticated();
  return ctx.principal.sessionId !== undefined || forbidden(PERSON_ONLY);
});

/** A field of a user that only that user may read (their memberships elsewhere, their grants). */
export const isSelf = rule('is-self', { cache: 'strict' })((parent: { id: string }, _args, ctx: RequestContext) => {
  const caller = ctx.principal ?? ctx.operator;
  if (!caller) return unauthenticated();
  return parent.id === caller.userId || forbidden('This is readable only on your own account');
});

/** Anyone: only for signing in and for the federation schema itself. */
export const isPublic = allow;

export type EntityAccess = Record<string, PermissionKey | 'member'>;

/**
 * The rule for `Query._entities`: every representation's type must be listed, and the caller
 * must hold the permission its root query would need. An unlisted type is refused outright.
 */
export function entitiesRule(access: EntityAccess): IRule {
  const entities = rule('entities', { cache: 'strict' })((
    _parent,
    args: { representations: { __typename: string }[] },
    ctx: RequestContext,
  ) => {
    if (!ctx.principal && !ctx.operator) return unauthenticated();
    for (const { __typename } of args.representations) {
      const needed = access[__typename];
      if (!needed) return forbidden(`${__typename} cannot be resolved here`);
      if (needed !== 'member' && !ctx.permissions.has(needed)) return refusal(ctx, needed);
    }
    return true;
  });
  entityAccessByRule.set(entities, access);
  return entities;
}

/** Rules every subgraph shares: the federation plumbing the gateway may read. */
const FEDERATION_RULES: IRules = { Query: { _service: allow }, _Service: allow };

/** Wraps a subgraph schema in its rules; whatever has no rule is denied. */
export function protect(schema: GraphQLSchema, rules: IRules): GraphQLSchema {
  const tree = mergeRules(FEDERATION_RULES, rules);
  const fallbackRule = rule('deny-by-default')(() => forbidden());
  // Strict-cache key: shield's default hashes the whole parent object for every field.
  const hashFunction = ({ parent, args }: { parent: unknown; args: unknown }) =>
    `${(parent as { id?: unknown } | null)?.id ?? ''}:${JSON.stringify(args)}`;
  const generated = shield(tree, {
    fallbackRule,
    // Resolvers throw our own coded errors (BAD_USER_INPUT, NOT_FOUND); let them through.
    // Anything unexpected is masked later by the error formatter.
    allowExternalErrors: true,
    hashFunction,
  }).generate(schema) as IMiddlewareTypeMap; // a rule tree generates a map of types

  return applyMiddleware(schema, withSynchronousVerdicts(generated, tree, { fallbackRule, hashFunction }));
}

function mergeRules(a: IRules, b: IRules): IRules {
  const merged: Record<string, unknown> = { ...(a as Record<string, unknown>) };
  for (const [type, value] of Object.entries(b as Record<string, unknown>)) {
    const left = merged[type];
    merged[type] = isFieldMap(left) && isFieldMap(value) ? { ...left, ...value } : value;
  }
  return merged as IRules;
}

function isFieldMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !('resolve' in value);
}

const entityAccessByRule = new WeakMap<object, EntityAccess>();

/**
 * The permissions a rule tree names, walking and/or/not rules down to `can(...)` and the entity
 * maps of `_entities`: what the permission-coverage spec compares with the catalog.
 */
export function permissionsUsedBy(rules: IRules): Set<string> {
  const used = new Set<string>();
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const entities = entityAccessByRule.get(node);
    if (entities) for (const needed of Object.values(entities)) if (needed !== 'member') used.add(needed);
    const name = (node as { name?: unknown }).name;
    if (typeof name === 'string' && name.startsWith('can:')) used.add(name.slice(4));
    const children = (node as { rules?: unknown }).rules;
    if (Array.isArray(children)) children.forEach(visit);
    else if (!('resolve' in node)) Object.values(node).forEach(visit);
  };
  visit(rules);
  return used;
}

/** The entity types `_entities` may resolve in a rule tree, or null when it has no such rule. */
export function entityTypesOf(rules: IRules): string[] | null {
  const query = (rules as Record<string, unknown>).Query as Record<string, unknown> | undefined;
  const rule = query?._entities;
  const access = rule && typeof rule === 'object' ? entityAccessByRule.get(rule) : undefined;
  return access ? Object.keys(access) : null;
}
