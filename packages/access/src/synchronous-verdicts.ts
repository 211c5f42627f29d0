import { allow, and, deny, or, rule, type IRules } from 'graphql-shield';
import type { GraphQLFieldResolver, GraphQLResolveInfo } from 'graphql';
import type { IMiddlewareTypeMap } from 'graphql-middleware';

type Rule = IRules & object;
type FieldResolve = GraphQLFieldResolver<unknown, unknown>;
/** graphql-middleware's field middleware: the field's resolver first, then its arguments. */
type IMiddlewareResolver = (
  resolve: FieldResolve,
  parent: unknown,
  args: Record<string, unknown>,
  ctx: unknown,
  info: GraphQLResolveInfo,
) => unknown;
type FieldMiddleware = IMiddlewareResolver | { resolve?: IMiddlewareResolver; fragment?: string; fragments?: string[] };

/** shield's own classes, taken from its constructors (the package exports the constructors only). */
const RuleClass = rule()(() => true).constructor;
const AndClass = and(allow, allow).constructor;
const OrClass = or(allow, allow).constructor;
const TrueClass = allow.constructor;
const FalseClass = deny.constructor;

interface ShieldRule {
  name: string;
  cache: 'strict' | 'contextual' | 'no_cache' | ((parent: unknown, args: unknown, ctx: unknown, info: unknown) => string);
  func: (parent: unknown, args: unknown, ctx: unknown, info: unknown) => unknown;
}

interface ShieldContext {
  _shield?: { cache: Record<string, unknown> };
}

export interface VerdictOptions {
  fallbackRule: Rule;
  hashFunction: (input: { parent: unknown; args: unknown }) => string;
}

/**
 * graphql-shield checks every field of an answer through an async middleware: a page of 100
 * works with their writers is ~1,200 fields, each a chain of promises even when its rule is a
 * permission already looked up for this request. That cost a third of the catalog's CPU on such a
 * page (bench/catalog-path.ts).
 *
 * This puts a synchronous look in front of each field's shield middleware: the field's rule is
 * evaluated as shield would (the same rule, the same per-request cache under the same keys), and
 * only when it is *already* known to allow (`true` without waiting) does the resolver run
 * directly. Anything else — a refusal, an error, a rule that must wait (a client's own-work
 * check) or a kind of rule this does not know — goes through shield's own middleware unchanged,
 * which then decides and words the refusal exactly as before. Deny by default is untouched: a
 * field without a rule has the fallback rule, which is never `true`.
 */
export function withSynchronousVerdicts(generated: IMiddlewareTypeMap, tree: IRules, options: VerdictOptions): IMiddlewareTypeMap {
  const fast: IMiddlewareTypeMap = {};
  for (const [typeName, fields] of Object.entries(generated)) {
    const typeMiddleware: Record<string, FieldMiddleware> = {};
    for (const [fieldName, middleware] of Object.entries(fields as Record<string, FieldMiddleware>)) {
      const fieldRule = ruleFor(tree, typeName, fieldName, options.fallbackRule);
      const slow = typeof middleware === 'function' ? middleware : middleware.resolve!;
      const checked: IMiddlewareResolver = (resolve, parent, args, ctx, info) =>
        allowsNow(fieldRule, parent, args, ctx as ShieldContext, info, options)
          ? resolve(parent, args, ctx, info)
          : slow(resolve, parent, args, ctx, info);
      typeMiddleware[fieldName] = typeof middleware === 'function' ? checked : { ...middleware, resolve: checked };
    }
    fast[typeName] = typeMiddleware as IMiddlewareTypeMap[string];
  }
  return fast;
}

/** The rule shield applies to a field: the field's own, else its type's wildcard or the type's rule, else the fallback. */
function ruleFor(tree: IRules, typeName: string, fieldName: string, fallback: Rule): Rule {
  const forType = (tree as Record<string, unknown>)[typeName];
  if (!forType) return fallback;
  if (isRule(forType)) return forType;
  const fields = forType as Record<string, Rule | undefined>;
  return fields[fieldName] ?? fields['*'] ?? fallback;
}

function isRule(value: unknown): value is Rule {
  return (
    value instanceof RuleClass ||
    value instanceof AndClass ||
    value instanceof OrClass ||
    value instanceof TrueClass ||
    value instanceof FalseClass
  );
}

/** True only when `rule` is known, without waiting, to allow; false for "no" and for "not yet known". */
function allowsNow(
  rule: Rule,
  parent: unknown,
  args: unknown,
  ctx: ShieldContext,
  info: GraphQLResolveInfo,
  options: VerdictOptions,
): boolean {
  if (rule instanceof TrueClass) return true;
  if (rule instanceof AndClass)
    return (rule as unknown as { rules: Rule[] }).rules.every((r) => allowsNow(r, parent, args, ctx, info, options));
  if (rule instanceof OrClass)
    return (rule as unknown as { rules: Rule[] }).rules.some((r) => allowsNow(r, parent, args, ctx, info, options));
  if (!(rule instanceof RuleClass)) return false;
  const shieldRule = rule as unknown as ShieldRule;
  try {
    return cachedResult(shieldRule, parent, args, ctx, info, options) === true;
  } catch {
    return false; // shield's middleware will meet the same error and answer it its way
  }
}

/** The rule's result through shield's per-request cache, under the key shield itself uses. */
function cachedResult(
  rule: ShieldRule,
  parent: unknown,
  args: unknown,
  ctx: ShieldContext,
  info: GraphQLResolveInfo,
  options: VerdictOptions,
) {
  const key =
    typeof rule.cache === 'function'
      ? `${rule.name}-${rule.cache(parent, args, ctx, info)}`
      : rule.cache === 'strict'
        ? `${rule.name}-${options.hashFunction({ parent, args })}`
        : rule.cache === 'contextual'
          ? rule.name
          : null;
  if (key === null) return rule.func(parent, args, ctx, info);
  const cache = (ctx._shield ??= { cache: {} }).cache;
  // shield writes a falsy result again on every call (`if (!cache[key])`); so does this.
  if (!cache[key]) cache[key] = rule.func(parent, args, ctx, info);
  return cache[key];
}
