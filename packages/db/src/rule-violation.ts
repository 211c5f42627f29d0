import { InvalidInput } from '@platform/errors';

/**
 * The SQLSTATE of a business rule the database itself enforces (a trigger that cannot race, such
 * as "a publisher keeps an Owner" or the seat limit). Its message is written for the person who
 * made the request.
 */
export const RULE_VIOLATION_SQLSTATE = 'PP001';

/** A domain error like the ones services throw: the edge answers it as BAD_USER_INPUT. */
export class RuleViolation extends InvalidInput {
  override readonly name = 'RuleViolation';
}

interface DriverCause {
  originalCode?: unknown;
  originalMessage?: unknown;
  /** The adapter's kind of failure (`DatabaseNotReachable`, `ConnectionClosed`, …). */
  kind?: unknown;
}

/**
 * PostgreSQL's code and message inside a Prisma error: in `cause` when the statement or commit
 * failed outside a known error, in `meta.driverAdapterError.cause` when Prisma knew the error.
 */
export function driverCause(error: unknown): DriverCause | null {
  const e = error as { cause?: DriverCause; meta?: { driverAdapterError?: { cause?: DriverCause } } } | null;
  return e?.cause ?? e?.meta?.driverAdapterError?.cause ?? null;
}

/** The rule violation inside a driver error, as the domain error the edge answers. */
export function asRuleViolation(error: unknown): RuleViolation | null {
  const cause = driverCause(error);
  if (cause?.originalCode !== RULE_VIOLATION_SQLSTATE || typeof cause.originalMessage !== 'string') return null;
  return new RuleViolation(cause.originalMessage);
}

/** The constraint a statement broke, when it broke a unique key (23505) or a foreign key (23503). */
function violatedConstraint(error: unknown): string | null {
  const cause = driverCause(error);
  if ((cause?.originalCode !== '23505' && cause?.originalCode !== '23503') || typeof cause.originalMessage !== 'string') return null;
  return /constraint "([^"]+)"/.exec(cause.originalMessage)?.[1] ?? null;
}

/**
 * Runs a write and answers a unique or foreign key it breaks with the rule that key enforces,
 * as BAD_USER_INPUT naming the field: the key decides a race that a look-up beforehand could not.
 */
export async function withConstraintRules<T>(
  write: () => Promise<T>,
  rules: Readonly<Record<string, { message: string; field: string }>>,
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const broken = violatedConstraint(error);
    const rule = broken ? rules[broken] : undefined;
    if (rule) throw new InvalidInput(rule.message, rule.field);
    throw error;
  }
}
