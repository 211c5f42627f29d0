import type { Actor } from '@platform/auth';
import { isUuid, type Tx } from '@platform/db';
import { InvalidInput, NotFound } from '@platform/errors';
import type { AccessExplanationModel } from '../models';
import { validPermissionKeys, withPermissions } from '../roles/grants';

/** Whether a member holds a permission here, which roles grant it, and why not when not. */
export async function explainAccess(tx: Tx, actor: Actor, userId: string, permission: string): Promise<AccessExplanationModel> {
  const key = validPermissionKeys([permission], 'permission')[0]!;
  if (!isUuid(userId)) throw new InvalidInput('userId is not a valid user id', 'userId');
  const member = await tx.membership.findUnique({
    where: { publisherId_userId: { publisherId: actor.publisherId, userId: userId.toLowerCase() } },
    include: { publisher: { select: { status: true } }, roles: { include: { role: { include: withPermissions } } } },
  });
  if (!member) throw new NotFound('Member', userId);
  const roles = member.roles.map((r) => r.role);
  const granting = member.roles.filter((r) => r.role.permissions.some((p) => p.permissionKey === key));
  const grantedBy = granting.map((r) => r.role);
  const directoryGroups = [...new Set(granting.flatMap((r) => (r.directoryGroupDn ? [r.directoryGroupDn] : [])))].sort();
  const names = (list: typeof roles) => list.map((r) => r.name).join(', ') || 'none';
  const refused = (reason: string) => ({ permission: key, granted: false, grantedBy: [], directoryGroups: [], reason });
  if (member.status !== 'ACTIVE') return refused(`The membership is suspended, so no role applies (roles: ${names(roles)})`);
  if (member.publisher.status !== 'ACTIVE') return refused('The publisher is suspended, so no role applies');
  if (grantedBy.length === 0) return refused(`None of the member's roles (${names(roles)}) grants ${key}`);
  const through = directoryGroups.length
    ? ` (through the directory group${directoryGroups.length > 1 ? 's' : ''} ${directoryGroups.join('; ')})`
    : '';
  return { permission: key, granted: true, grantedBy, directoryGroups, reason: `Granted by ${names(grantedBy)}${through}` };
}
