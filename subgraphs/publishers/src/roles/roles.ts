import { assertMayGrant } from '@platform/access';
import type { Actor } from '@platform/auth';
import { recordChange } from '@platform/events';
import type { Tx } from '@platform/db';
import { InvalidInput, NotFound } from '@platform/errors';
import { requirePlanFeature } from '../billing/plans';
import { validPermissionKeys, withPermissions, type RoleWithPermissions } from './grants';

export interface RoleDraft {
  key?: string | null;
  name?: string | null;
  description?: string | null;
  permissions?: string[] | null;
}

export async function rolesOfPublisher(tx: Tx, actor: Actor): Promise<RoleWithPermissions[]> {
  const { publisherId } = actor;
  return tx.role.findMany({ where: { publisherId }, include: withPermissions, orderBy: [{ isTemplate: 'desc' }, { key: 'asc' }] });
}

export async function createRole(
  tx: Tx,
  actor: Actor,
  draft: Required<Pick<RoleDraft, 'key' | 'name'>> & RoleDraft,
): Promise<RoleWithPermissions> {
  const key = (draft.key ?? '').trim();
  if (!/^[a-z][a-z0-9_-]{1,40}$/.test(key))
    throw new InvalidInput('key must be 2 to 41 lower case letters, digits, - or _, starting with a letter', 'key');
  const name = validName(draft.name);
  const permissions = validPermissionKeys(draft.permissions ?? [], 'permissions');
  assertMayGrant(actor, permissions);
  await requirePlanFeature(tx, actor.publisherId, 'custom_roles');
  if (await tx.role.findUnique({ where: { publisherId_key: { publisherId: actor.publisherId, key } } })) {
    throw new InvalidInput(`A role "${key}" exists already`, 'key');
  }
  const role = await tx.role.create({
    data: {
      publisherId: actor.publisherId,
      key,
      name,
      description: draft.description?.trim() ?? '',
      permissions: { create: permissions.map((permissionKey) => ({ permissionKey })) },
    },
    include: withPermissions,
  });
  await recordChange(tx, actor, { entityType: 'Role', entityId: key, action: 'role.created', data: { key, permissions } });
  return role;
}

export async function updateRole(tx: Tx, actor: Actor, key: string, draft: RoleDraft): Promise<RoleWithPermissions> {
  const permissions = draft.permissions ? validPermissionKeys(draft.permissions, 'permissions') : null;
  const role = await editableRole(tx, actor.publisherId, key);
  await requirePlanFeature(tx, actor.publisherId, 'custom_roles');
  // What the role grants now and what it will grant must both be within the caller's rights.
  assertMayGrant(actor, [...role.permissions.map((p) => p.permissionKey), ...(permissions ?? [])]);
  if (permissions) {
    await tx.rolePermission.deleteMany({ where: { publisherId: actor.publisherId, roleId: role.id } });
    await tx.rolePermission.createMany({
      data: permissions.map((permissionKey) => ({ publisherId: actor.publisherId, roleId: role.id, permissionKey })),
    });
  }
  const updated = await tx.role.update({
    where: { publisherId_id: { publisherId: actor.publisherId, id: role.id } },
    data: {
      ...(draft.name != null ? { name: validName(draft.name) } : {}),
      ...(draft.description != null ? { description: draft.description.trim() } : {}),
      updatedAt: new Date(),
    },
    include: withPermissions,
  });
  await recordChange(tx, actor, {
    entityType: 'Role',
    entityId: key,
    action: 'role.updated',
    data: { key, ...(permissions ? { permissions } : {}) },
  });
  return updated;
}

export async function deleteRole(tx: Tx, actor: Actor, key: string): Promise<string> {
  const role = await editableRole(tx, actor.publisherId, key);
  assertMayGrant(
    actor,
    role.permissions.map((p) => p.permissionKey),
  );
  const holders = await tx.membershipRole.count({ where: { publisherId: actor.publisherId, roleId: role.id } });
  if (holders > 0) throw new InvalidInput(`${holders} member(s) still hold "${key}"; give them other roles first`, 'key');
  const invited = await tx.invitation.count({
    where: {
      publisherId: actor.publisherId,
      roleIds: { has: role.id },
      acceptedAt: null,
      revokedAt: null,
      expiresAt: { gt: new Date() },
    },
  });
  if (invited > 0) throw new InvalidInput(`${invited} open invitation(s) grant "${key}"; revoke them first`, 'key');
  await tx.role.delete({ where: { publisherId_id: { publisherId: actor.publisherId, id: role.id } } });
  await recordChange(tx, actor, { entityType: 'Role', entityId: key, action: 'role.deleted', data: { key } });
  return key;
}

async function editableRole(tx: Tx, publisherId: string, key: string): Promise<RoleWithPermissions> {
  const role = await tx.role.findUnique({ where: { publisherId_key: { publisherId, key } }, include: withPermissions });
  if (!role) throw new NotFound('Role');
  if (role.isTemplate) throw new InvalidInput(`"${key}" is a template; templates cannot be changed. Create a custom role instead.`, 'key');
  return role;
}

function validName(value: string | null | undefined): string {
  const name = (value ?? '').trim();
  if (!name || name.length > 80) throw new InvalidInput('name must be 1 to 80 characters', 'name');
  return name;
}
