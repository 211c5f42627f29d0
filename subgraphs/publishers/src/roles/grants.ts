import type { Role, Tx } from '@platform/db';
import { InvalidInput } from '@platform/errors';
import { isPublisherPermission } from '@platform/permissions';

export type RoleWithPermissions = Role & { permissions: { permissionKey: string }[] };

export const withPermissions = { permissions: { select: { permissionKey: true }, orderBy: { permissionKey: 'asc' } } } as const;

export function permissionsOf(roles: RoleWithPermissions[]): Set<string> {
  return new Set(roles.flatMap((r) => r.permissions.map((p) => p.permissionKey)));
}

/** Roles of the active publisher by key; an unknown key is the caller's mistake. */
export async function rolesByKeys(tx: Tx, publisherId: string, keys: string[], field: string): Promise<RoleWithPermissions[]> {
  if (keys.length === 0) throw new InvalidInput('Give at least one role', field);
  const unique = [...new Set(keys.map((k) => k.trim()))];
  const roles = await tx.role.findMany({ where: { publisherId, key: { in: unique } }, include: withPermissions });
  const missing = unique.filter((key) => !roles.some((r) => r.key === key));
  if (missing.length) throw new InvalidInput(`No role "${missing.join('", "')}" in this publisher`, field);
  return roles;
}

export function validPermissionKeys(keys: string[], field: string): string[] {
  const unknown = keys.filter((key) => !isPublisherPermission(key));
  if (unknown.length) {
    throw new InvalidInput(`Unknown permission ${unknown.map((k) => `"${k}"`).join(', ')}; see permissionCatalog`, field);
  }
  return [...new Set(keys)].sort();
}
