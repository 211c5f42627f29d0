import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createPrismaClient, disconnectPrismaClient, ScopedDatabase } from '@platform/db';
import { DEMO_PASSWORD, demoId } from '@platform/demo-data';
import { directoryRuntime, SYNC_OPERATION_TIMEOUT_MS, syncDirectory, type SyncMode, type SyncResult } from '@platform/identity/directory';
import {
  addDirectoryGroup,
  ensureOrganizationalUnit,
  graphql,
  login,
  replaceDirectoryAttribute,
  serviceConfigForTests,
  startSambaDc,
  type RunningPlatform,
  type SambaDc,
} from '@platform/testing';

const USERS = Number(process.env.BENCH_DIRECTORY_USERS ?? 10_000);
const GROUPS = 200;
const CHANGES = 100;
const DMP = demoId('publisher:dmp');
const DOMAIN = 'bench.example';

/**
 * A full sync of USERS directory users in GROUPS mapped groups (each user in two), then a second
 * full sync (nothing to change), then an incremental sync after CHANGES users changed in AD:
 * time, peak memory of this process, and SQL statements per user. The baseline row is the LDAP
 * read alone (what any sync must pay), measured in the same run.
 */
export async function directorySyncCost(
  urls: { apiUrl: string; adminUrl: string },
  platform: RunningPlatform,
  dataDir: string,
): Promise<void> {
  const { apiUrl, adminUrl } = urls;
  // BENCH_DIRECTORY_DC keeps the seeded domain in a folder of its own for the next run (seeding
  // 10,000 users into Samba takes minutes; the sync is what is measured).
  const kept = process.env.BENCH_DIRECTORY_DC;
  const dcDir = kept ?? (await mkdtemp(path.join(os.tmpdir(), 'bench-dc-')));
  const dc = await startSambaDc({ dir: dcDir, log: (line) => console.log(`  ${line}`) });
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const dns = await seed(dc);
    await admin.query(`UPDATE accounts SET seat_limit = 1000000 WHERE id = (SELECT account_id FROM publishers WHERE id = $1)`, [DMP]);
    const connection = {
      publisherId: DMP,
      urls: [dc.ldapsUrl],
      security: 'LDAPS' as const,
      caCertificate: dc.caCertificate,
      bindDn: dc.adminDn,
      bindPassword: dc.adminPassword,
      userBaseDn: `OU=Bench,${dc.baseDn}`,
      userFilter: '(&(objectCategory=person)(objectClass=user))',
    };
    const owner = await login(platform.gatewayUrl, 'owner@dmp.demo', DEMO_PASSWORD);
    const configured = await graphql(
      platform.gatewayUrl,
      `
        mutation ($input: DirectoryInput!) {
          configureDirectory(input: $input) {
            bindDn
          }
        }
      `,
      {
        input: {
          ...withoutPublisher(connection),
          loginAttribute: 'USER_PRINCIPAL_NAME',
          emailDomains: [DOMAIN],
          signInMode: 'DIRECTORY',
          groupMappings: Array.from({ length: GROUPS }, (_, g) => ({ groupDn: groupDn(dc, g), roleKey: g % 2 ? 'editor' : 'viewer' })),
        },
      },
      { token: owner.token },
    );
    if (configured.errors) throw new Error(JSON.stringify(configured.errors));

    let statements = 0;
    const prisma = createPrismaClient(apiUrl, { poolSize: 3, onQuery: () => (statements += 1) });
    const db = new ScopedDatabase(prisma);
    const runtime = await directoryRuntime(serviceConfigForTests({ databaseUrl: apiUrl, dataDir }));
    const rows: { name: string; ms: number; peakMb: number; perUser: string; result: string }[] = [];
    const run = async (name: string, mode: SyncMode, users: number) => {
      statements = 0;
      const peak = trackPeakMemory();
      const started = performance.now();
      const result = (await syncDirectory(db, runtime, DMP, mode)) as SyncResult;
      const ms = performance.now() - started;
      rows.push({
        name,
        ms,
        peakMb: peak.stop(),
        perUser: (statements / users).toFixed(2),
        result: `${result.created} created, ${result.updated} updated, ${result.removed} removed, ${result.unchanged} unchanged, ${result.failed} failed`,
      });
    };
    // Baseline: the directory read alone, as a FULL sync does it (the group tree, then paged users).
    const session = await runtime.clients.open(connection, SYNC_OPERATION_TIMEOUT_MS);
    const readPeak = trackPeakMemory();
    const readStarted = performance.now();
    const tree = await session.groupTree(dc.baseDn);
    const users = await session.findUsers(null);
    rows.push({
      name: `LDAP read only (${users.length} users, ${tree.size} groups)`,
      ms: performance.now() - readStarted,
      peakMb: readPeak.stop(),
      perUser: '0',
      result: '',
    });
    await session.close();

    await run(`first FULL sync, ${USERS} users`, 'FULL', USERS);
    await run('second FULL sync (nothing changed)', 'FULL', USERS);
    const ad = await dc.adminClient();
    for (let i = 0; i < CHANGES; i++)
      await replaceDirectoryAttribute(ad, dns[i * Math.floor(USERS / CHANGES)]!, 'displayName', `Renamed ${i} at ${Date.now()}`);
    await ad.unbind();
    await run(`INCREMENTAL sync after ${CHANGES} renames`, 'INCREMENTAL', CHANGES);
    await runtime.close();
    await disconnectPrismaClient(prisma);

    const baseline = rows[0]!.ms;
    console.log(`\nDirectory sync: ${USERS} users in ${GROUPS} mapped groups (each user in 2), Samba AD on loopback, LDAPS`);
    console.log(
      `${'run'.padEnd(44)} ${'time s'.padStart(8)} ${'× read'.padStart(8)} ${'peak RSS MB'.padStart(12)} ${'SQL/user'.padStart(9)}   result`,
    );
    for (const r of rows) {
      console.log(
        `${r.name.padEnd(44)} ${(r.ms / 1000).toFixed(2).padStart(8)} ${(r.ms / baseline).toFixed(2).padStart(8)} ${r.peakMb.toFixed(0).padStart(12)} ${r.perUser.padStart(9)}   ${r.result}`,
      );
    }
  } finally {
    await admin.end();
    await dc.stop();
    if (!kept) await rm(dcDir, { recursive: true, force: true });
  }
}

function groupDn(dc: SambaDc, g: number): string {
  return `CN=Bench Group ${g},OU=Bench Groups,${dc.baseDn}`;
}

/** USERS users without passwords (enough for sync) and GROUPS groups, added over 8 connections. */
async function seed(dc: SambaDc): Promise<string[]> {
  const started = performance.now();
  const setup = await dc.adminClient();
  const dns = Array.from({ length: USERS }, (_, i) => `CN=Bench User ${i},OU=Bench,${dc.baseDn}`);
  const seeded = await setup
    .search(`OU=Bench,${dc.baseDn}`, { scope: 'one', attributes: ['1.1'], paged: { pageSize: 1000 } })
    .catch(() => null);
  if (seeded?.searchEntries.length === USERS) {
    console.log(`  ${USERS} users already in the kept domain`);
    await setup.unbind();
    return dns;
  }
  await ensureOrganizationalUnit(setup, `OU=Bench,${dc.baseDn}`);
  await ensureOrganizationalUnit(setup, `OU=Bench Groups,${dc.baseDn}`);
  await setup.unbind();
  const clients = await Promise.all(Array.from({ length: 8 }, () => dc.adminClient()));
  let next = 0;
  let added = 0;
  await Promise.all(
    clients.map(async (client) => {
      for (let i = next++; i < USERS; i = next++) {
        await client.add(dns[i]!, {
          objectClass: ['top', 'person', 'organizationalPerson', 'user'],
          sAMAccountName: `bench${i}`,
          userPrincipalName: `bench${i}@${DOMAIN}`,
          mail: `bench${i}@${DOMAIN}`,
          givenName: 'Bench',
          sn: `User ${i}`,
          displayName: `Bench User ${i}`,
          // An enabled account that needs no password (AD disables a new user without one).
          userAccountControl: String(0x200 | 0x20),
        });
        if (++added % 1000 === 0) console.log(`  seeded ${added}/${USERS} directory users`);
      }
    }),
  );
  await Promise.all(clients.map((c) => c.unbind()));
  const groups = await dc.adminClient();
  for (let g = 0; g < GROUPS; g++) {
    const members = dns.filter((_, i) => i % GROUPS === g || (i * 7 + 3) % GROUPS === g);
    await addDirectoryGroup(groups, groupDn(dc, g), members);
  }
  await groups.unbind();
  console.log(`  seeded ${USERS} users and ${GROUPS} groups in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return dns;
}

function trackPeakMemory(): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss) / 1024 / 1024;
    },
  };
}

function withoutPublisher<T extends { publisherId: string }>({ publisherId: _, ...rest }: T): Omit<T, 'publisherId'> {
  return rest;
}
