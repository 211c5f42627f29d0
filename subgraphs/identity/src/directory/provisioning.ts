import { randomUUID } from 'node:crypto';
import type { Tx } from '@platform/db';
import {
  admitDirectoryMembers,
  applyDirectoryMembership,
  withdrawDirectoryMember,
  type DirectoryGrant,
  type DirectoryMembershipChange,
} from '@platform/publishers/directory-members';
import type { DirectoryUser } from './directory-client';

/** A group mapping as sync and sign-in use it: the DN as configured, and lower-cased to compare (AD's DNs are case-insensitive). */
export interface Mapping {
  groupDn: string;
  key: string;
  roleId: string;
}

export async function mappingsOf(tx: Tx, publisherId: string): Promise<Mapping[]> {
  const rows = await tx.directoryGroupMapping.findMany({ where: { publisherId }, orderBy: { groupDn: 'asc' } });
  return rows.map((m) => ({ groupDn: m.groupDn, key: m.groupDn.toLowerCase(), roleId: m.roleId }));
}

/** The roles that a user's groups (lower-cased DNs, nested ones included) grant. */
export function grantsFor(groups: ReadonlySet<string>, mappings: Mapping[]): DirectoryGrant[] {
  return mappings.filter((m) => groups.has(m.key)).map((m) => ({ roleId: m.roleId, groupDn: m.groupDn }));
}

/**
 * The email a directory user's account gets: `mail`, else the UPN, and only in a domain this
 * directory claims (the row policy on users refuses any other).
 */
export function accountEmailOf(user: DirectoryUser, domains: readonly string[]): string | null {
  return [user.mail, user.userPrincipalName].find((email) => email && domains.includes(email.split('@')[1] ?? '')) ?? null;
}

export type ProvisionOutcome =
  { kind: 'member'; userId: string; change: DirectoryMembershipChange } | { kind: 'no-group'; userId: string; withdrawn: boolean };

/**
 * Links a directory user to the platform's account, by objectGUID (a renamed or moved user stays
 * the same account) or else by email, creating the account on first sight; keeps its name and
 * email as AD has them; then makes its membership match its groups. In the caller's transaction,
 * scoped to the directory's publisher.
 */
export async function provision(
  tx: Tx,
  publisherId: string,
  user: DirectoryUser,
  email: string,
  grants: DirectoryGrant[],
): Promise<ProvisionOutcome> {
  const linked = await tx.directoryIdentity.findUnique({ where: { publisherId_objectGuid: { publisherId, objectGuid: user.objectGuid } } });
  let userId: string;
  let renamed = false;
  if (linked) {
    userId = linked.userId;
    const account = await tx.user.findUnique({ where: { id: userId }, select: { email: true, displayName: true } });
    if (account && (account.displayName !== user.displayName || account.email !== email)) {
      renamed = true;
      // A rename in AD: the same account, its new name; its new email only if no other account has it.
      const taken = account.email !== email && (await tx.user.findUnique({ where: { email }, select: { id: true } }));
      await tx.user.update({
        where: { id: userId },
        data: { displayName: user.displayName, ...(taken ? {} : { email }), updatedAt: new Date() },
      });
    }
    await tx.directoryIdentity.update({
      where: { publisherId_objectGuid: { publisherId, objectGuid: user.objectGuid } },
      data: { dn: user.dn, usnChanged: user.usnChanged, disabled: false, syncedAt: new Date() },
    });
  } else {
    const existing = await tx.user.findUnique({ where: { email }, select: { id: true } });
    if (existing) userId = existing.id;
    else {
      userId = randomUUID();
      await tx.user.createMany({ data: [{ id: userId, email, displayName: user.displayName }] });
    }
    await tx.directoryIdentity.create({
      data: { publisherId, objectGuid: user.objectGuid, userId, dn: user.dn, usnChanged: user.usnChanged },
    });
  }
  if (grants.length === 0) {
    return { kind: 'no-group', userId, withdrawn: await withdrawDirectoryMember(tx, publisherId, userId, 'remove', 'in no mapped group') };
  }
  const change = await applyDirectoryMembership(tx, publisherId, userId, grants);
  return { kind: 'member', userId, change: change === 'unchanged' && renamed ? 'updated' : change };
}

export interface Newcomer {
  user: DirectoryUser;
  email: string;
  grants: DirectoryGrant[];
}

/**
 * Provisions many directory users seen for the first time, each in a mapped group: accounts,
 * links and memberships in a few statements for the lot. A newcomer whose email already has an
 * account is linked to it one at a time, as sign-in would. Answers the newcomers provisioned
 * here in bulk; the caller provisions the rest one by one.
 */
export async function provisionNewcomers(tx: Tx, publisherId: string, newcomers: Newcomer[]): Promise<Newcomer[]> {
  if (newcomers.length === 0) return [];
  const taken = new Set(
    (await tx.user.findMany({ where: { email: { in: newcomers.map((n) => n.email) } }, select: { email: true } })).map((u) => u.email),
  );
  const emails = new Set<string>();
  const fresh = newcomers.filter((n) => !taken.has(n.email) && !emails.has(n.email) && emails.add(n.email));
  const ids = fresh.map(() => randomUUID());
  await tx.user.createMany({ data: fresh.map((n, i) => ({ id: ids[i]!, email: n.email, displayName: n.user.displayName })) });
  await tx.directoryIdentity.createMany({
    data: fresh.map((n, i) => ({
      publisherId,
      objectGuid: n.user.objectGuid,
      userId: ids[i]!,
      dn: n.user.dn,
      usnChanged: n.user.usnChanged,
    })),
  });
  await admitDirectoryMembers(
    tx,
    publisherId,
    fresh.map((n, i) => ({ userId: ids[i]!, grants: n.grants })),
  );
  return fresh;
}
