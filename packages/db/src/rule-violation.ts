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

/** The rule violation inside a driver error (Prisma's adapter keeps PostgreSQL's code in `cause`). */
export function asRuleViolation(error: unknown): RuleViolation | null {
  const cause = (error as { cause?: { originalCode?: unknown; originalMessage?: unknown } } | null)?.cause;
  if (cause?.originalCode !== RULE_VIOLATION_SQLSTATE || typeof cause.originalMessage !== 'string') return null;
  return new RuleViolation(cause.originalMessage);
}
