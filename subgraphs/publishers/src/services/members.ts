import { recordChange } from '@platform/events';
import { isUuid, type Tx } from '@platform/db';
import { forbidden, notFound, requirePrincipal, type RequestContext } from '@platform/server';
import type { MemberModel } from '../models';
import { assertMayGrant, permissionsOf, rolesByKeys, withPermissions } from './grants';

const memberInclude = {
  user: { select: { id: true, email: true, displayName: true } },
  roles: { include: { role: { include: withPermissions } }, orderBy: { role: { key: 'asc' } } },
} as const;

type MemberRow = NonNullable<Awaited<ReturnType<typeof findMember>>>;

function findMember(tx: Tx, publisherId: string, userId: string) {
  return tx.membership.findUnique({ where: { publisherId_userId: { publisherId, userId } }, include: memberInclude });
}

function toModel(row: MemberRow): MemberModel {
  return {
    userId: row.userId,
    email: row.user.email,
    displayName: row.user.displayName,
    status: row.status,
    roles: row.roles.map((r) => r.role),
    joinedAt: row.createdAt,
  };
}

export async function membersOfPublisher(ctx: RequestContext): Promise<MemberModel[]> {
  const { publisherId } = requirePrincipal(ctx);
  const rows = await ctx.inScope((tx) =>
    tx.membership.findMany({ where: { publisherId }, include: memberInclude, orderBy: { user: { email: 'asc' } } }),
  );
  return rows.map(toModel);
}

export async function memberOfPublisher(ctx: RequestContext, userId: string): Promise<MemberModel | null> {
  const { publisherId } = requirePrincipal(ctx);
  if (!isUuid(userId)) return null;
  const row = await ctx.inScope((tx) => findMember(tx, publisherId, userId.toLowerCase()));
  return row ? toModel(row) : null;
}

/**
 * Runs an action on another member: the member must exist here, and must not hold permissions
 * the caller lacks (an Admin cannot demote, suspend, remove or sign out the Owner). Rules that
 * concern the whole publisher (an active Owner remains, the seat limit) are the database's, at
 * commit.
 */
async function actOnMember<T>(
  ctx: RequestContext,
  userId: string,
  action: string,
  act: (tx: Tx, member: MemberRow, publisherId: string) => Promise<T>,
): Promise<T> {
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
    const result = await act(tx, member, principal.publisherId);
    await recordChange(tx, principal, { entityType: 'Member', entityId: id, action, data: { userId: id } });
    return result;
  });
}

/** An action after which the member is still there, answered with the member as they are now. */
function changeMember(
  ctx: RequestContext,
  userId: string,
  action: string,
  change: (tx: Tx, member: MemberRow, publisherId: string) => Promise<void>,
): Promise<MemberModel> {
  return actOnMember(ctx, userId, action, async (tx, member, publisherId) => {
    await change(tx, member, publisherId);
    const changed = await findMember(tx, publisherId, member.userId);
    if (!changed) throw notFound('Member');
    return toModel(changed);
  });
}

export function changeMemberRoles(ctx: RequestContext, userId: string, roleKeys: string[]): Promise<MemberModel> {
  return changeMember(ctx, userId, 'member.roles_changed', async (tx, member, publisherId) => {
    const roles = await rolesByKeys(tx, publisherId, roleKeys, 'roles');
    assertMayGrant(ctx, permissionsOf(roles));
    await tx.membershipRole.deleteMany({ where: { publisherId, userId: member.userId } });
    await tx.membershipRole.createMany({ data: roles.map((r) => ({ publisherId, userId: member.userId, roleId: r.id })) });
  });
}

export function suspendMember(ctx: RequestContext, userId: string): Promise<MemberModel> {
  return changeMember(ctx, userId, 'member.suspended', async (tx, member, publisherId) => {
    await tx.membership.update({
      where: { publisherId_userId: { publisherId, userId: member.userId } },
      data: { status: 'SUSPENDED', updatedAt: new Date() },
    });
  });
}

export function reinstateMember(ctx: RequestContext, userId: string): Promise<MemberModel> {
  return changeMember(ctx, userId, 'member.reinstated', async (tx, member, publisherId) => {
    await tx.membership.update({
      where: { publisherId_userId: { publisherId, userId: member.userId } },
      data: { status: 'ACTIVE', updatedAt: new Date() },
    });
  });
}

export async function removeMember(ctx: RequestContext, userId: string): Promise<string> {
  const principal = requirePrincipal(ctx);
  return actOnMember(ctx, userId, 'member.removed', async (tx, member, publisherId) => {
    await endSessionsIn(tx, publisherId, member.userId, `removed by ${principal.userId}`);
    await tx.membership.delete({ where: { publisherId_userId: { publisherId, userId: member.userId } } });
    return member.userId;
  });
}

/**
 * Ends the member's sessions in this publisher and stops every sign-in they made before now from
 * reaching it, whichever publisher's token carries it (X-Tenant-ID, switchPublisher). Signing in
 * again restores access; suspending is the way to keep someone out.
 */
export function revokeMemberSessions(ctx: RequestContext, userId: string): Promise<number> {
  const principal = requirePrincipal(ctx);
  return actOnMember(ctx, userId, 'member.sessions_revoked', async (tx, member, publisherId) => {
    // The database's clock, the one that stamps each sign-in.
    await tx.$executeRaw`UPDATE user_publishers SET sessions_revoked_at = now()
                          WHERE publisher_id = ${publisherId}::uuid AND user_id = ${member.userId}::uuid`;
    return endSessionsIn(tx, publisherId, member.userId, `revoked by ${principal.userId}`);
  });
}

async function endSessionsIn(tx: Tx, publisherId: string, userId: string, reason: string): Promise<number> {
  const { count } = await tx.userSession.updateMany({
    where: { publisherId, userId, revokedAt: null },
    data: { revokedAt: new Date(), revokedReason: reason },
  });
  return count;
}
