import type { Actor } from '@platform/auth';
import { NotPermitted } from '@platform/errors';

/**
 * Nobody grants a permission they do not hold themselves: not through a role, an invitation, or
 * a directory group mapping.
 */
export function assertMayGrant(actor: Actor, permissions: Iterable<string>): void {
  const beyond = [...new Set(permissions)].filter((p) => !actor.permissions.has(p)).sort();
  if (beyond.length) {
    const list = beyond.map((p) => `"${p}"`).join(', ');
    throw new NotPermitted(`You cannot grant ${list}: you do not hold ${beyond.length > 1 ? 'them' : 'it'} yourself`);
  }
}
