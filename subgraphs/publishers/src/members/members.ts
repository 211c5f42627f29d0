import { assertMayGrant } from '@platform/access';
import type { Actor } from '@platform/auth';
import { isUuid, type Tx } from '@platform/db';
import { NotFound, NotPermitted } from '@platform/errors';
import { recordChange } from '@platform/events';
import { endSessions } from '@platform/sessions';
import type { MemberModel } from '../models';
import { permissionsOf, rolesByKeys, withPermissions } from '../roles/grants';
import { liveSupportAccess, type SupportAccessModel } from '../support/support-access';

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
    supportAccess: null,
  };
}

/** A platform operator in the publisher through support access: listed beside its members, as what it is. */
function supportMember(access: SupportAccessModel): MemberModel {
  return {
    userId: access.operatorId,
    email: access.operatorEmail,
    displayName: access.operatorName,
    status: 'ACTIVE',
    roles: [],
    joinedAt: access.decidedAt ?? access.requestedAt,
    supportAccess: access,
  };
}

/** The members by email, then the operators with live support access. */
export async function membersOfPublisher(tx: Tx, actor: Actor): Promise<MemberModel[]> {
  const rows = await tx.membership.findMany({
    where: { publisherId: actor.publisherId },
    include: memberInclude,
    orderBy: { user: { email: 'asc' } },
  });
  const members = rows.map(toModel);
  // An operator who is also a member is listed once, as the member; newest grant first.
  const listed = new Set(members.map((m) => m.userId));
  for (const access of await liveSupportAccess(tx, actor.publisherId)) {
    if (listed.has(access.operatorId)) continue;
    listed.add(access.operatorId);
    members.push(supportMember(access));
  }
  return members;
}

export async function memberOfPublisher(tx: Tx, actor: Actor, userId: string): Promise<MemberModel | null> {
  if (!isUuid(userId)) return null;
  const id = userId.toLowerCase();
  const row = await findMember(tx, actor.publisherId, id);
  if (row) return toModel(row);
  const [access] = await liveSupportAccess(tx, actor.publisherId, id);
  return access ? supportMember(access) : null;
}

type MemberAction<T> = (member: MemberRow) => Promise<T>;

/** What a person does to another member; each event names the member. */
type MemberChange = 'member.roles_changed' | 'member.suspended' | 'member.reinstated' | 'member.removed' | 'member.sessions_revoked';

/**
 * Runs an action on another member: the member must exist here, and must not hold permissions
 * the caller lacks (an Admin cannot demote, suspend, remove or sign out the Owner). Rules that
 * concern the whole publisher (an active Owner remains, the seat limit) are the database's, at
 * commit.
 */
async function actOnMember<T>(tx: Tx, actor: Actor, userId: string, action: MemberChange, act: MemberAction<T>): Promise<T> {
  if (!isUuid(userId)) throw new NotFound('Member');
  const id = userId.toLowerCase();
  const member = await findMember(tx, actor.publisherId, id);
  if (!member) throw new NotFound('Member', userId);
  const held = permissionsOf(member.roles.map((r) => r.role));
  if ([...held].some((p) => !actor.permissions.has(p))) {
    throw new NotPermitted('This member holds permissions you do not hold; ask someone who holds them all');
  }
  const result = await act(member);
  await recordChange(tx, actor, { entityType: 'Member', entityId: id, action, data: { userId: id } });
  return result;
}

/** An action after which the member is still there, answered with the member as they are now. */
function changeMember(tx: Tx, actor: Actor, userId: string, action: MemberChange, change: MemberAction<void>): Promise<MemberModel> {
  return actOnMember(tx, actor, userId, action, async (member) => {
    await change(member);
    const changed = await findMember(tx, actor.publisherId, member.userId);
    if (!changed) throw new NotFound('Member', userId);
    return toModel(changed);
  });
}

export function changeMemberRoles(tx: Tx, actor: Actor, userId: string, roleKeys: string[]): Promise<MemberModel> {
  const { publisherId } = actor;
  return changeMember(tx, actor, userId, 'member.roles_changed', async (member) => {
    const roles = await rolesByKeys(tx, publisherId, roleKeys, 'roles');
    assertMayGrant(actor, permissionsOf(roles));
    await tx.membershipRole.deleteMany({ where: { publisherId, userId: member.userId } });
    await tx.membershipRole.createMany({ data: roles.map((r) => ({ publisherId, userId: member.userId, roleId: r.id })) });
  });
}

function setStatus(tx: Tx, actor: Actor, userId: string, status: 'ACTIVE' | 'SUSPENDED', action: MemberChange): Promise<MemberModel> {
  return changeMember(tx, actor, userId, action, async (member) => {
    await tx.membership.update({
      where: { publisherId_userId: { publisherId: actor.publisherId, userId: member.userId } },
      data: { status, updatedAt: new Date() },
    });
  });
}

export const suspendMember = (tx: Tx, actor: Actor, userId: string) => setStatus(tx, actor, userId, 'SUSPENDED', 'member.suspended');
export const reinstateMember = (tx: Tx, actor: Actor, userId: string) => setStatus(tx, actor, userId, 'ACTIVE', 'member.reinstated');

export function removeMember(tx: Tx, actor: Actor, userId: string): Promise<string> {
  return actOnMember(tx, actor, userId, 'member.removed', async (member) => {
    await endSessions(tx, { userId: member.userId, publisherId: actor.publisherId }, `removed by ${actor.userId}`);
    await tx.membership.delete({ where: { publisherId_userId: { publisherId: actor.publisherId, userId: member.userId } } });
    return member.userId;
  });
}

/**
 * Ends the member's sessions in this publisher and stops every sign-in they made before now from
 * reaching it, whichever publisher's token carries it (X-Tenant-ID, switchPublisher). Signing in
 * again restores access; suspending is the way to keep someone out.
 */
export function revokeMemberSessions(tx: Tx, actor: Actor, userId: string): Promise<number> {
  return actOnMember(tx, actor, userId, 'member.sessions_revoked', async (member) => {
    // The database's clock, the one that stamps each sign-in.
    await tx.$executeRaw`UPDATE user_publishers SET sessions_revoked_at = now()
                          WHERE publisher_id = ${actor.publisherId}::uuid AND user_id = ${member.userId}::uuid`;
    return endSessions(tx, { userId: member.userId, publisherId: actor.publisherId }, `revoked by ${actor.userId}`);
  });
}
