import { isUuid } from '@platform/db';
import { badUserInput, notFound, requirePrincipal, type RequestContext } from '@platform/server';
import type { AccessExplanationModel } from '../models';
import { validPermissionKeys, withPermissions } from './grants';

/** Whether a member holds a permission here, which roles grant it, and why not when not. */
export async function explainAccess(ctx: RequestContext, userId: string, permission: string): Promise<AccessExplanationModel> {
  const { publisherId } = requirePrincipal(ctx);
  const [key] = validPermissionKeys([permission], 'permission');
  if (!isUuid(userId)) throw badUserInput('userId is not a valid user id', 'userId');
  const member = await ctx.inScope((tx) =>
    tx.membership.findUnique({
      where: { publisherId_userId: { publisherId, userId: userId.toLowerCase() } },
      include: { publisher: { select: { status: true } }, roles: { include: { role: { include: withPermissions } } } },
    }),
  );
  if (!member) throw notFound('Member');
  const roles = member.roles.map((r) => r.role);
  const grantedBy = roles.filter((r) => r.permissions.some((p) => p.permissionKey === key));
  const names = (list: typeof roles) => list.map((r) => r.name).join(', ');
  if (member.status !== 'ACTIVE')
    return {
      permission: key!,
      granted: false,
      grantedBy: [],
      reason: `The membership is suspended, so no role applies (roles: ${names(roles) || 'none'})`,
    };
  if (member.publisher.status !== 'ACTIVE')
    return { permission: key!, granted: false, grantedBy: [], reason: 'The publisher is suspended, so no role applies' };
  if (grantedBy.length === 0)
    return {
      permission: key!,
      granted: false,
      grantedBy: [],
      reason: `None of the member's roles (${names(roles) || 'none'}) grants ${key}`,
    };
  return { permission: key!, granted: true, grantedBy, reason: `Granted by ${names(grantedBy)}` };
}
