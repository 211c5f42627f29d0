import { recordChange } from '@platform/events';
import { isUuid, type Tx } from '@platform/db';
import { forbidden, notFound, requirePrincipal, type RequestContext } from '@platform/server';
import type { MemberModel } from '../models';
import { assertAnotherOwnerRemains, assertMayGrant, permissionsOf, rolesByKeys, withPermissions } from './grants';

const memberInclude = {
  user: { select: { id: true, email: true, displayName: true } },
  roles: { include: { role: { include: withPermissions } }, orderBy: { role: { key: 'asc' } } },
} as const;

type MemberRow = NonNullable<Awaited<ReturnType<typeof findMember>>>;

function findMember(tx: Tx, publisherId: string, userId: string) {
  return tx.membership.findUnique({ where: { publisherId_userId: { publisherId, userId } }, include: memberInclude });
}

function toModel(row: MemberRow): MemberModel {
  return { userId: row.userId, email: row.user.email, displayName: row.user.displayName, status: row.status, roles: row.roles.map((r) => r.role), joinedAt: row.createdAt };
}

export async function membersOfPublisher(ctx: RequestContext): Promise<MemberModel[]> {
  const { publisherId } = requirePrincipal(ctx);
  const rows = await ctx.inScope((tx) => tx.membership.findMany({ where: { publisherId }, include: memberInclude, orderBy: { user: { email: 'asc' } } }));
  return rows.map(toModel);
}

export async function memberOfPublisher(ctx: RequestContext, userId: string): Promise<MemberModel | null> {
  const { publisherId } = requirePrincipal(ctx);
  if (!isUuid(userId)) return null;
  const row = await ctx.inScope((tx) => findMember(tx, publisherId, userId.toLowerCase()));
  return row ? toModel(row) : null;
}

/**
 * Runs a change to another member: the member must exist here, and must not hold permissions
 * the caller lacks (an Admin cannot demote or suspend the Owner).
 */
async function changeMember(ctx: RequestContext, userId: string, change: (tx: Tx, member: MemberRow, publisherId: string) => Promise<void>, action: string): Promise<MemberModel | null> {
  const principal = requirePrincipal(ctx);
  if (!isUuid(userId)) throw notFound('Member');
  const id = userId.toLowerCase();
  return ctx.inScope(async (tx) => {
    const member = await findMember(tx, principal.publisherId, id);
    if (!member) throw notFound('Member');
    const held = permissionsOf(member.roles.map((r) => r.role));
    if ([...held].some((p) => !ctx.permissions.has(p))) {
      throw forbidden('This member holds permissions you do not hold; ask someone who holds them all');
    }
    await change(tx, member, principal.publisherId);
    await recordChange(tx, principal, { entityType: 'Member', entityId: id, action, data: { userId: id } });
    const changed = await findMember(tx, principal.publisherId, id);
    return changed ? toModel(changed) : null;
  });
}

/** For changes after which the member is still there. */
async function stillMember(result: Promise<MemberModel | null>): Promise<MemberModel> {
  const member = await result;
  if (!member) throw notFound('Member');
  return member;
}

export function changeMemberRoles(ctx: RequestContext, userId: string, roleKeys: string[]): Promise<MemberModel> {
  return stillMember(changeMember(ctx, userId, async (tx, member, publisherId) => {
    const roles = await rolesByKeys(tx, publisherId, roleKeys, 'roles');
    assertMayGrant(ctx, permissionsOf(roles));
    if (!roles.some((r) => r.key === 'owner' && r.isTemplate) && member.roles.some((r) => r.role.key === 'owner' && r.role.isTemplate)) {
      await assertAnotherOwnerRemains(tx, publisherId, member.userId);
    }
    await tx.membershipRole.deleteMany({ where: { publisherId, userId: member.userId } });
    await tx.membershipRole.createMany({ data: roles.map((r) => ({ publisherId, userId: member.userId, roleId: r.id })) });
  }, 'member.roles_changed'));
}

export function suspendMember(ctx: RequestContext, userId: string): Promise<MemberModel> {
  return stillMember(changeMember(ctx, userId, async (tx, member, publisherId) => {
    await assertAnotherOwnerRemains(tx, publisherId, member.userId);
    await tx.membership.update({ where: { publisherId_userId: { publisherId, userId: member.userId } }, data: { status: 'SUSPENDED', updatedAt: new Date() } });
  }, 'member.suspended'));
}

export function reinstateMember(ctx: RequestContext, userId: string): Promise<MemberModel> {
  return stillMember(changeMember(ctx, userId, async (tx, member, publisherId) => {
    await tx.membership.update({ where: { publisherId_userId: { publisherId, userId: member.userId } }, data: { status: 'ACTIVE', updatedAt: new Date() } });
  }, 'member.reinstated'));
}

export async function removeMember(ctx: RequestContext, userId: string): Promise<string> {
  const principal = requirePrincipal(ctx);
  await changeMember(ctx, userId, async (tx, member, publisherId) => {
    await assertAnotherOwnerRemains(tx, publisherId, member.userId);
    await tx.userSession.updateMany({ where: { publisherId, userId: member.userId, revokedAt: null }, data: { revokedAt: new Date(), revokedReason: `removed by ${principal.userId}` } });
    await tx.membership.delete({ where: { publisherId_userId: { publisherId, userId: member.userId } } });
  }, 'member.removed');
  return userId.toLowerCase();
}
