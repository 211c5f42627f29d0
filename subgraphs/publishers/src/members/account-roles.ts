import { assertMayGrant } from '@platform/access';
import type { Actor } from '@platform/auth';
import { isUuid, type Tx } from '@platform/db';
import { InvalidInput, NotFound, NotPermitted } from '@platform/errors';
import { recordChange } from '@platform/events';
import { permissionsOf, withPermissions } from '../roles/grants';

/** The role templates an account role may be: those every publisher type has (not Client). */
export const ACCOUNT_ROLE_KEYS = ['owner', 'admin', 'catalog-manager', 'editor', 'viewer', 'billing'] as const;

export interface AccountAdministratorModel {
  userId: string;
  email: string;
  displayName: string;
  roleKey: string;
  grantedAt: Date;
}

/** Who holds a role in the active publisher's account, and so works in every publisher of it. */
export async function accountAdministrators(tx: Tx, actor: Actor): Promise<AccountAdministratorModel[]> {
  const accountId = await accountOf(tx, actor);
  const rows = await tx.accountMember.findMany({
    where: { accountId },
    include: { user: { select: { email: true, displayName: true } } },
    orderBy: { user: { email: 'asc' } },
  });
  return rows.map(toModel);
}

/**
 * Gives a person a role in every publisher of the active publisher's account (or changes theirs).
 * Only an Owner of the account may, and only with permissions they hold here; the person must
 * already belong to one of the account's publishers (someone new is invited first). The database
 * enforces the first rule itself and counts the person's seat at commit.
 */
export async function grantAccountRole(tx: Tx, actor: Actor, email: string, roleKey: string): Promise<AccountAdministratorModel> {
  const key = roleKey.trim().toLowerCase();
  if (!(ACCOUNT_ROLE_KEYS as readonly string[]).includes(key)) {
    throw new InvalidInput(`role must be one of ${ACCOUNT_ROLE_KEYS.join(', ')}`, 'role');
  }
  await assertAccountOwner(tx);
  const template = await tx.role.findUniqueOrThrow({
    where: { publisherId_key: { publisherId: actor.publisherId, key } },
    include: withPermissions,
  });
  assertMayGrant(actor, permissionsOf([template]));
  const [{ id: userId }] = await tx.$queryRaw<[{ id: string | null }]>`SELECT app_account_person(${email.trim()}) AS id`;
  if (!userId) {
    throw new InvalidInput('No member of a publisher of this account has that email: invite them to one of its publishers first', 'email');
  }
  const accountId = await accountOf(tx, actor);
  const before = await tx.accountMember.findUnique({ where: { accountId_userId: { accountId, userId } } });
  const row = await tx.accountMember.upsert({
    where: { accountId_userId: { accountId, userId } },
    create: { accountId, userId, roleKey: key, grantedBy: actor.userId },
    update: { roleKey: key, grantedBy: actor.userId },
    include: { user: { select: { email: true, displayName: true } } },
  });
  await recordChange(tx, actor, {
    entityType: 'AccountMember',
    entityId: userId,
    action: 'account.role_granted',
    data: { before: { role: before?.roleKey ?? null }, after: { role: key } },
  });
  return toModel(row);
}

/** Ends a person's role in the account; within half a second no publisher of it lets them in through it. */
export async function revokeAccountRole(tx: Tx, actor: Actor, userId: string): Promise<string> {
  if (!isUuid(userId)) throw new NotFound('Account role');
  const id = userId.toLowerCase();
  const accountId = await accountOf(tx, actor);
  // Who holds a role is no secret inside the account (accountAdministrators lists them).
  const existing = await tx.accountMember.findUnique({ where: { accountId_userId: { accountId, userId: id } } });
  if (!existing) throw new NotFound('Account role');
  await assertAccountOwner(tx);
  await tx.accountMember.delete({ where: { accountId_userId: { accountId, userId: id } } });
  await recordChange(tx, actor, {
    entityType: 'AccountMember',
    entityId: id,
    action: 'account.role_revoked',
    data: { before: { role: existing.roleKey }, after: { role: null } },
  });
  return id;
}

/** The active publisher's account: the holder's own roles in other accounts are visible too, so queries name it. */
async function accountOf(tx: Tx, actor: Actor): Promise<string> {
  const { accountId } = await tx.publisher.findUniqueOrThrow({ where: { id: actor.publisherId }, select: { accountId: true } });
  return accountId;
}

async function assertAccountOwner(tx: Tx): Promise<void> {
  const [{ owner }] = await tx.$queryRaw<[{ owner: boolean }]>`SELECT app_is_account_owner() AS owner`;
  if (!owner) throw new NotPermitted("Only an Owner of the account changes its roles; a publisher's Owner is not one");
}

function toModel(row: {
  userId: string;
  roleKey: string;
  createdAt: Date;
  user: { email: string; displayName: string };
}): AccountAdministratorModel {
  return { userId: row.userId, email: row.user.email, displayName: row.user.displayName, roleKey: row.roleKey, grantedAt: row.createdAt };
}
