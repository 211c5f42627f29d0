import { InvalidInput, NotFound } from '@platform/errors';
import { recordChange } from '@platform/events';
import { withdrawDirectoryMember, applyDirectoryMembership } from '@platform/publishers/directory-members';
import type { ScopedDatabase, Tx } from '@platform/db';
import type { DirectoryRuntime } from './runtime';
import { SYNC_OPERATION_TIMEOUT_MS, type DirectorySession, type DirectoryUser } from './directory-client';
import { toConnection } from './directory-settings';
import { accountEmailOf, grantsFor, mappingsOf, provision, provisionNewcomers, type Mapping, type Newcomer } from './provisioning';

export type SyncMode = 'FULL' | 'INCREMENTAL';

export interface SyncResult {
  mode: SyncMode;
  /** Users that became members. */
  created: number;
  /** Members whose roles, name, email or status changed (a reinstatement included). */
  updated: number;
  /** Members suspended because AD disabled them. */
  disabled: number;
  /** Members removed: deleted in AD, moved out of scope, or in no mapped group any more. */
  removed: number;
  unchanged: number;
  failed: number;
  /** One line per failed user: its DN and why. */
  errors: string[];
  startedAt: string;
  durationMs: number;
}

/** Users per transaction; a batch that fails is retried one user at a time, so one bad user never blocks the rest. */
const BATCH = 100;

/**
 * Brings the members of a publisher in line with its directory. FULL reads every user in scope
 * and removes the members AD no longer has (deleted, moved out of the base DN or filter); an
 * INCREMENTAL sync reads only the users changed since the last sync (uSNChanged) and catches
 * deletions at the next FULL one. Group memberships are read in full either way: a change to a
 * group does not change its members' USN. Idempotent: a second run changes nothing; a run that
 * stops half way leaves what it did consistent, and the next run finishes the rest.
 *
 * Only one sync of a directory runs at a time, across every identity instance (a PostgreSQL
 * advisory lock); a second one answers null at once.
 */
export async function syncDirectory(
  db: ScopedDatabase,
  runtime: DirectoryRuntime,
  publisherId: string,
  requested: SyncMode,
  progress: (line: string) => void = () => {},
): Promise<SyncResult | null> {
  return runtime.exclusively(`directory-sync:${publisherId}`, async () => {
    const started = new Date();
    const row = await db.withScope({ publisherId }, (tx) => tx.directory.findUnique({ where: { publisherId } }));
    if (!row) throw new NotFound('Directory');
    const mode: SyncMode = requested === 'INCREMENTAL' && row.usnHighWater !== null ? 'INCREMENTAL' : 'FULL';
    await db.withScope({ publisherId }, (tx) => tx.directory.update({ where: { publisherId }, data: { lastSyncStartedAt: started } }));
    const connection = toConnection(row, runtime.secrets.open(row.bindPasswordEncrypted));
    const result: SyncResult = {
      mode,
      created: 0,
      updated: 0,
      disabled: 0,
      removed: 0,
      unchanged: 0,
      failed: 0,
      errors: [],
      startedAt: started.toISOString(),
      durationMs: 0,
    };

    const read = await runtime.clients.guarded(publisherId, async () => {
      const session = await runtime.clients.open(connection, SYNC_OPERATION_TIMEOUT_MS);
      try {
        return await readDirectory(session, db, publisherId, mode, row.usnHighWater, progress);
      } finally {
        await session.close();
      }
    });
    progress(`${read.users.length} user(s) to look at, ${read.mappings.length} group mapping(s)`);

    const state = await db.withScope({ publisherId }, async (tx) => ({
      identities: await tx.directoryIdentity.findMany({ where: { publisherId } }),
      grants: await tx.membershipRole.findMany({
        where: { publisherId, directoryGroupDn: { not: null } },
        select: { userId: true, roleId: true, directoryGroupDn: true },
      }),
      members: await tx.membership.findMany({ where: { publisherId }, select: { userId: true, status: true } }),
      domains: (await tx.directoryEmailDomain.findMany({ where: { publisherId } })).map((d) => d.domain),
    }));
    const identityByGuid = new Map(state.identities.map((i) => [i.objectGuid, i]));
    const statusOf = new Map(state.members.map((m) => [m.userId, m.status]));
    const heldGrants = new Map<string, Set<string>>();
    for (const g of state.grants)
      heldGrants.set(g.userId, (heldGrants.get(g.userId) ?? new Set()).add(`${g.roleId}|${g.directoryGroupDn}`));
    const grantsOf = (guid: string) => grantsFor(read.groupsOf(guid) ?? new Set(), read.mappings);
    const sameGrants = (userId: string, guid: string) => {
      const wanted = new Set(grantsOf(guid).map((g) => `${g.roleId}|${g.groupDn}`));
      const held = heldGrants.get(userId) ?? new Set();
      return wanted.size === held.size && [...wanted].every((g) => held.has(g));
    };

    // What to do for each user read: nothing when AD and the platform already agree.
    // A newcomer (never linked, in a mapped group) is provisioned in bulk with the others of its
    // batch; `apply` provisions any one alone.
    const work: { user: DirectoryUser; newcomer?: Newcomer; apply: (tx: Tx) => Promise<keyof SyncResult | null> }[] = [];
    for (const user of read.users) {
      const linked = identityByGuid.get(user.objectGuid);
      if (user.disabled) {
        if (!linked || linked.disabled) {
          result.unchanged++;
          continue;
        }
        work.push({
          user,
          apply: async (tx) => {
            await tx.directoryIdentity.update({
              where: { publisherId_objectGuid: { publisherId, objectGuid: user.objectGuid } },
              data: { disabled: true, dn: user.dn, usnChanged: user.usnChanged, syncedAt: new Date() },
            });
            return (await withdrawDirectoryMember(tx, publisherId, linked.userId, 'suspend', 'disabled in the directory'))
              ? 'disabled'
              : null;
          },
        });
        continue;
      }
      const unchanged =
        linked &&
        !linked.disabled &&
        linked.dn === user.dn &&
        linked.usnChanged === user.usnChanged &&
        (grantsOf(user.objectGuid).length > 0
          ? statusOf.get(linked.userId) === 'ACTIVE' && sameGrants(linked.userId, user.objectGuid)
          : !statusOf.has(linked.userId));
      if (unchanged) {
        result.unchanged++;
        continue;
      }
      const email = accountEmailOf(user, state.domains);
      if (!email) {
        result.failed++;
        result.errors.push(`${user.dn}: no mail or UPN in a claimed domain (${state.domains.join(', ')})`);
        continue;
      }
      // An account never seen and in no mapped group is none of the platform's business.
      if (!linked && grantsOf(user.objectGuid).length === 0) {
        result.unchanged++;
        continue;
      }
      work.push({
        user,
        ...(linked ? {} : { newcomer: { user, email, grants: grantsOf(user.objectGuid) } }),
        apply: async (tx) => {
          const outcome = await provision(tx, publisherId, user, email, grantsOf(user.objectGuid));
          if (outcome.kind === 'no-group') return outcome.withdrawn ? 'removed' : null;
          return outcome.change === 'created' ? 'created' : outcome.change === 'unchanged' ? null : 'updated';
        },
      });
    }

    // Linked users this sync did not read. FULL: AD no longer has them in scope (deleted, moved
    // out of the base DN, or no longer matching the filter). INCREMENTAL: they left the scope if
    // they changed anywhere in the directory; their groups may have changed if any group did.
    const seen = new Set(read.users.map((u) => u.objectGuid));
    for (const identity of state.identities) {
      if (seen.has(identity.objectGuid)) continue;
      const placeholder = { objectGuid: identity.objectGuid, dn: identity.dn } as DirectoryUser;
      const known = read.groupsOf(identity.objectGuid);
      if (mode === 'FULL' || read.leftScope.has(identity.objectGuid) || (read.membershipsOfAll && known === null)) {
        work.push({
          user: placeholder,
          apply: async (tx) => {
            await tx.directoryIdentity.delete({ where: { publisherId_objectGuid: { publisherId, objectGuid: identity.objectGuid } } });
            return (await withdrawDirectoryMember(tx, publisherId, identity.userId, 'remove', 'no longer in the directory scope'))
              ? 'removed'
              : null;
          },
        });
      } else if (known !== null && !identity.disabled && !sameGrants(identity.userId, identity.objectGuid)) {
        const grants = grantsOf(identity.objectGuid);
        work.push({
          user: placeholder,
          apply: async (tx) => {
            if (grants.length === 0) {
              return (await withdrawDirectoryMember(tx, publisherId, identity.userId, 'remove', 'in no mapped group')) ? 'removed' : null;
            }
            const change = await applyDirectoryMembership(tx, publisherId, identity.userId, grants);
            return change === 'created' ? 'created' : change === 'unchanged' ? null : 'updated';
          },
        });
      }
    }

    progress(`${work.length} change(s) to make, ${result.unchanged} user(s) already in line`);
    for (let i = 0; i < work.length; i += BATCH) {
      const batch = work.slice(i, i + BATCH);
      const outcomes = await db
        .withScope({ publisherId }, async (tx) => {
          const done: (keyof SyncResult | null)[] = [];
          const bulk = new Set(
            await provisionNewcomers(
              tx,
              publisherId,
              batch.flatMap((item) => (item.newcomer ? [item.newcomer] : [])),
            ),
          );
          for (const item of batch) done.push(item.newcomer && bulk.has(item.newcomer) ? 'created' : await item.apply(tx));
          return done;
        })
        .catch(async () => {
          // One user's change failed (a seat limit, the last Owner): each user alone, so the
          // others still land and the failure is reported with its reason.
          const done: (keyof SyncResult | null)[] = [];
          for (const item of batch) {
            done.push(
              await db
                .withScope({ publisherId }, (tx) => item.apply(tx))
                .catch((error: unknown) => {
                  result.errors.push(`${item.user.dn}: ${error instanceof InvalidInput ? error.message : (error as Error).message}`);
                  return 'failed' as const;
                }),
            );
          }
          return done;
        });
      for (const outcome of outcomes) {
        if (outcome === null) result.unchanged++;
        else (result[outcome] as number)++;
      }
      progress(`applied ${Math.min(i + BATCH, work.length)}/${work.length}`);
    }

    result.durationMs = Date.now() - started.getTime();
    await db.withScope({ publisherId }, async (tx) => {
      await tx.directory.update({
        where: { publisherId },
        data: {
          // Advanced only by a sync that completed: a failed one is redone from the same mark.
          usnHighWater: read.highestUsn,
          lastSyncFinishedAt: new Date(),
          ...(mode === 'FULL' ? { lastFullSyncAt: started } : {}),
          lastSyncResult: { ...result },
        },
      });
      const { errors, ...counts } = result;
      await recordChange(
        tx,
        { userId: null, publisherId, system: 'DIRECTORY_SYNC' },
        {
          entityType: 'Directory',
          entityId: publisherId,
          action: 'directory.synced',
          data: { ...counts, errors: errors.slice(0, 20) },
        },
      );
    });
    progress(
      `${mode} sync done in ${result.durationMs} ms: ${result.created} created, ${result.updated} updated, ${result.disabled} disabled, ${result.removed} removed, ${result.unchanged} unchanged, ${result.failed} failed`,
    );
    return result;
  });
}

interface DirectoryRead {
  /** The users to look at: every user in scope (FULL), or those changed since the last sync. */
  users: DirectoryUser[];
  mappings: Mapping[];
  highestUsn: bigint;
  /** A user's groups, nested ones included (lower-cased DNs); null when this sync did not read them. */
  groupsOf(guid: string): Set<string> | null;
  /** True when the groups of every user in scope were read (FULL, or INCREMENTAL after a group changed). */
  membershipsOfAll: boolean;
  /** INCREMENTAL: users changed somewhere in the directory that are no longer in scope. */
  leftScope: Set<string>;
}

async function readDirectory(
  session: DirectorySession,
  db: ScopedDatabase,
  publisherId: string,
  mode: SyncMode,
  highWater: bigint | null,
  progress: (line: string) => void,
): Promise<DirectoryRead> {
  // Read before anything else: a change made while this sync reads is picked up by the next one.
  const { highestUsn, namingContext } = await session.rootDse();
  const mappings = await db.withScope({ publisherId }, (tx) => mappingsOf(tx, publisherId));
  const tree = await session.groupTree(namingContext);
  progress(`read ${tree.size} group(s)`);
  const since = highWater ?? 0n;
  const users = await session.findUsers(mode === 'INCREMENTAL' ? `(uSNChanged>=${since + 1n})` : null);
  progress(`read ${users.length} ${mode === 'INCREMENTAL' ? 'changed ' : ''}user(s) from ${session.url}`);
  let everyone = mode === 'FULL' ? users : null;
  let leftScope = new Set<string>();
  if (mode === 'INCREMENTAL') {
    const inScope = new Set(users.map((u) => u.objectGuid));
    leftScope = new Set([...(await session.changedUsersAnywhere(namingContext, since))].filter((guid) => !inScope.has(guid)));
    // A membership change changes the group, not its members: after one, every user's groups are read again.
    if ((await session.changedGroups(namingContext, since)) > 0) {
      everyone = await session.findUsers(null);
      progress(`groups changed: read the groups of all ${everyone.length} user(s)`);
    }
  }
  const direct = new Map((everyone ?? users).map((u) => [u.objectGuid, u.memberOf]));
  return {
    users,
    mappings,
    highestUsn,
    membershipsOfAll: everyone !== null,
    leftScope,
    groupsOf: (guid) => {
      const groups = direct.get(guid);
      return groups ? tree.closure(groups) : null;
    },
  };
}
