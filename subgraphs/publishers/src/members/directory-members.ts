// Publishers' side of Active Directory, called by identity's sign-in and sync: identity owns the
// directory and the account, publishers owns the membership and its roles. Each function runs in
// the caller's transaction (scoped to the directory's publisher), so a directory change and its
// membership change commit or roll back together.
import type { Tx } from '@platform/db';
import { recordChange, recordChanges, type ChangeEvent } from '@platform/events';
import { endSessions } from '@platform/sessions';

/** A role that an AD group grants, through one of the directory's mappings. */
export interface DirectoryGrant {
  roleId: string;
  groupDn: string;
}

export type DirectoryMembershipChange = 'created' | 'updated' | 'reinstated' | 'unchanged';

/**
 * Makes `userId` an active member whose directory-granted roles are exactly `grants`; roles a
 * person granted by hand stay as they are. The seat limit is checked by the database at commit,
 * for a new member and for a reinstated one alike.
 */
export async function applyDirectoryMembership(
  tx: Tx,
  publisherId: string,
  userId: string,
  grants: DirectoryGrant[],
): Promise<DirectoryMembershipChange> {
  const existing = await tx.membership.findUnique({
    where: { publisherId_userId: { publisherId, userId } },
    select: { status: true, roles: { select: { roleId: true, directoryGroupDn: true } } },
  });
  if (!existing) {
    await admitDirectoryMembers(tx, publisherId, [{ userId, grants }]);
    return 'created';
  }
  const wanted = new Map(uniqueByRole(grants).map((g) => [g.roleId, g.groupDn]));

  const fromDirectory = existing.roles.filter((r) => r.directoryGroupDn !== null);
  const byHand = new Set(existing.roles.filter((r) => r.directoryGroupDn === null).map((r) => r.roleId));
  const stale = fromDirectory.filter((r) => wanted.get(r.roleId) !== r.directoryGroupDn).map((r) => r.roleId);
  const missing = [...wanted].filter(
    ([roleId, groupDn]) => !byHand.has(roleId) && !fromDirectory.some((r) => r.roleId === roleId && r.directoryGroupDn === groupDn),
  );
  // Added before the stale ones go: the last-Owner rule is checked at commit either way, but a
  // role moving from one group to another is then never missing in between.
  if (stale.length)
    await tx.membershipRole.deleteMany({ where: { publisherId, userId, roleId: { in: stale }, directoryGroupDn: { not: null } } });
  if (missing.length) {
    await tx.membershipRole.createMany({
      data: missing.map(([roleId, groupDn]) => ({ publisherId, userId, roleId, directoryGroupDn: groupDn })),
    });
  }
  const reinstated = existing.status !== 'ACTIVE';
  if (reinstated)
    await tx.membership.update({
      where: { publisherId_userId: { publisherId, userId } },
      data: { status: 'ACTIVE', updatedAt: new Date() },
    });
  if (!reinstated && stale.length === 0 && missing.length === 0) return 'unchanged';
  await audit(tx, publisherId, userId, {
    action: reinstated ? 'member.reinstated_by_directory' : 'member.roles_changed_by_directory',
    data: { roles: [...wanted.keys()], via: 'directory' },
  });
  return reinstated ? 'reinstated' : 'updated';
}

/**
 * Makes many users members at once, none of whom is a member yet (a sync's newcomers): the same
 * rows and audit entries as applyDirectoryMembership, in a handful of statements for the lot.
 */
export async function admitDirectoryMembers(
  tx: Tx,
  publisherId: string,
  members: { userId: string; grants: DirectoryGrant[] }[],
): Promise<void> {
  if (members.length === 0) return;
  await tx.membership.createMany({ data: members.map(({ userId }) => ({ publisherId, userId })) });
  await tx.membershipRole.createMany({
    data: members.flatMap(({ userId, grants }) =>
      uniqueByRole(grants).map((g) => ({ publisherId, userId, roleId: g.roleId, directoryGroupDn: g.groupDn })),
    ),
  });
  await recordChanges(
    tx,
    { userId: null, publisherId, system: 'DIRECTORY_SYNC' },
    members.map(({ userId, grants }) => ({
      entityType: 'Member',
      entityId: userId,
      action: 'member.provisioned_by_directory',
      data: { roles: uniqueByRole(grants).map((g) => g.roleId), via: 'directory' },
    })),
  );
}

function uniqueByRole(grants: DirectoryGrant[]): DirectoryGrant[] {
  const seen = new Set<string>();
  return grants.filter((g) => !seen.has(g.roleId) && seen.add(g.roleId));
}

/**
 * The directory says this user may no longer be here (disabled in AD, deleted, moved out of
 * scope, or in no mapped group): `suspend` keeps the membership to reinstate when AD enables the
 * account again, otherwise it is removed. Either way every session in this publisher ends now.
 * Answers false when there was nothing to take away.
 */
export async function withdrawDirectoryMember(
  tx: Tx,
  publisherId: string,
  userId: string,
  how: 'suspend' | 'remove',
  reason: string,
): Promise<boolean> {
  const member = await tx.membership.findUnique({ where: { publisherId_userId: { publisherId, userId } }, select: { status: true } });
  if (!member || (how === 'suspend' && member.status !== 'ACTIVE')) return false;
  await endSessions(tx, { userId, publisherId }, `directory: ${reason}`);
  if (how === 'suspend') {
    await tx.membership.update({
      where: { publisherId_userId: { publisherId, userId } },
      data: { status: 'SUSPENDED', updatedAt: new Date() },
    });
  } else {
    await tx.membershipRole.deleteMany({ where: { publisherId, userId } });
    await tx.membership.delete({ where: { publisherId_userId: { publisherId, userId } } });
  }
  await audit(tx, publisherId, userId, {
    action: how === 'suspend' ? 'member.suspended_by_directory' : 'member.removed_by_directory',
    data: { reason, via: 'directory' },
  });
  return true;
}

/** The directory is disconnected: the roles its groups granted stay, as if a person had granted them. */
export async function keepDirectoryRolesByHand(tx: Tx, publisherId: string): Promise<void> {
  await tx.membershipRole.updateMany({ where: { publisherId, directoryGroupDn: { not: null } }, data: { directoryGroupDn: null } });
}

/** The actor of a directory's change is the directory itself: no user id, and `via: directory`. */
function audit(tx: Tx, publisherId: string, userId: string, event: ChangeEvent) {
  return recordChange(tx, { userId: null, publisherId, system: 'DIRECTORY_SYNC' }, { entityType: 'Member', entityId: userId, ...event });
}
