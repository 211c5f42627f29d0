import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { hashPassword } from '@platform/auth';
import { createPrismaClient, disconnectPrismaClient, ScopedDatabase } from '@platform/db';
import { DirectorySyncScheduler, directoryRuntime } from '@platform/identity/directory';
import { createLogger } from '@platform/service';
import { DEMO_PASSWORD, demoId } from '@platform/demo-data';
import {
  addDirectoryGroup,
  addDirectoryUser,
  addGroupMember,
  auditTrailOf,
  codesOf,
  ensureOrganizationalUnit,
  failBinds,
  graphql,
  LOGIN,
  login,
  removeGroupMember,
  runCommand,
  serviceConfigForTests,
  replaceDirectoryAttribute,
  setDomainPolicy,
  setUserDisabled,
  startOwnPlatform,
  startSambaDc,
  type OwnPlatform,
  type SambaDc,
  type Session,
} from '@platform/testing';

/**
 * Active Directory against a real Samba AD domain controller on loopback: connecting, sign-in
 * with AD's refusals, just-in-time provisioning through nested groups, sync, outsiders, and the
 * directory going away. One DC serves the whole file, and the last block stops it: the blocks run
 * in order.
 */

const PASSWORD = 'Directory-Pass-2026!';
const DOMAIN = 'dmp.example';
const DMP = demoId('publisher:dmp');
const BREAK_GLASS = `breakglass@${DOMAIN}`;

let dc: SambaDc;
let ad: Awaited<ReturnType<SambaDc['adminClient']>>;
let dcDir: string;
let platform: OwnPlatform;
let gateway: string;
let owner: Session;
const dn: Record<string, string> = {};

const staff = () => `OU=Staff,${dc.baseDn}`;
const groups = () => `OU=Groups,${dc.baseDn}`;
const group = (name: string) => `CN=${name},${groups()}`;

async function seedDirectory(): Promise<void> {
  await ensureOrganizationalUnit(ad, staff());
  await ensureOrganizationalUnit(ad, groups());
  await ensureOrganizationalUnit(ad, `OU=Elsewhere,${dc.baseDn}`);
  // AD locks an account after 10 wrong passwords in a row; the platform's own lockout (5) comes first.
  await setDomainPolicy(ad, dc.baseDn, { lockoutThreshold: '10' });
  const user = async (sam: string, extra: Partial<Parameters<typeof addDirectoryUser>[1]> = {}) => {
    const name = sam[0]!.toUpperCase() + sam.slice(1);
    dn[sam] = await addDirectoryUser(ad, {
      sam,
      givenName: name,
      surname: 'Directory',
      password: PASSWORD,
      parentDn: staff(),
      domain: DOMAIN,
      ...extra,
    });
  };
  for (const sam of ['alice', 'bob', 'carol', 'dave', 'ivan', 'judy', 'leo', 'mallory', 'nina']) await user(sam);
  await user('erin', { disabled: true });
  await user('frank', { expired: true });
  await user('grace', { mustChangePassword: true });
  await user('heidi');
  await user('oscar', { parentDn: `OU=Elsewhere,${dc.baseDn}` });
  // Three deep: Catalog Team is in Music Staff, which is in Platform Editors.
  await addDirectoryGroup(ad, group('Platform Admins'), [dn.alice!]);
  await addDirectoryGroup(
    ad,
    group('Platform Editors'),
    ['bob', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'leo', 'mallory', 'nina', 'oscar'].map((u) => dn[u]!),
  );
  await addDirectoryGroup(ad, group('Music Staff'));
  await addDirectoryGroup(ad, group('Catalog Team'), [dn.carol!]);
  await addGroupMember(ad, group('Music Staff'), group('Catalog Team'));
  await addGroupMember(ad, group('Platform Editors'), group('Music Staff'));
  await failBinds(dc.ldapsUrl, dc.caCertificate, dn.heidi!, 10);
}

function directoryInput(overrides: Record<string, unknown> = {}) {
  return {
    urls: [dc.ldapsUrl],
    security: 'LDAPS',
    caCertificate: dc.caCertificate,
    bindDn: dc.adminDn,
    bindPassword: dc.adminPassword,
    userBaseDn: staff(),
    loginAttribute: 'USER_PRINCIPAL_NAME',
    emailDomains: [DOMAIN],
    signInMode: 'HYBRID',
    breakGlassEmails: [BREAK_GLASS],
    groupMappings: [
      { groupDn: group('Platform Admins'), roleKey: 'admin' },
      { groupDn: group('Platform Editors'), roleKey: 'editor' },
    ],
    ...overrides,
  };
}

const CONFIGURE = `mutation ($input: DirectoryInput!) {
  configureDirectory(input: $input) { urls security bindDn userFilter emailDomains signInMode breakGlassEmails groupMappings { groupDn roleKey } }
}`;
const TEST = `mutation ($input: DirectoryInput) { testDirectoryConnection(input: $input) { ok steps { step ok message } } }`;
const SYNC = `mutation ($mode: DirectorySyncMode!) { syncDirectory(mode: $mode) { mode created updated disabled removed unchanged failed errors durationMs } }`;
const MEMBER = `query ($id: ID!) { member(userId: $id) { status roles { key } } }`;
const EXPLAIN = `query ($id: ID!) { explainAccess(userId: $id, permission: "work:write") { granted directoryGroups reason } }`;

const signIn = (email: string, password = PASSWORD, url = gateway) => graphql(url, LOGIN, { input: { email, password } });
const asOwner = (query: string, variables: Record<string, unknown> = {}) => graphql(gateway, query, variables, { token: owner.token });

beforeAll(async () => {
  dcDir = await mkdtemp(path.join(os.tmpdir(), 'samba-dc-'));
  dc = await startSambaDc({ dir: dcDir });
  ad = await dc.adminClient();
  await seedDirectory();
  platform = await startOwnPlatform(inject('clusterAdminUrl'), 'directory_spec');
  gateway = platform.a.gatewayUrl;
  // The break-glass admin: an Owner of dmp with an internal password, in the directory's domain.
  const breakGlassId = demoId('user:breakglass');
  await platform.admin.query('INSERT INTO users (id, email, display_name, password_hash) VALUES ($1, $2, $3, $4)', [
    breakGlassId,
    BREAK_GLASS,
    'Break Glass',
    await hashPassword(DEMO_PASSWORD),
  ]);
  await platform.admin.query('INSERT INTO user_publishers (publisher_id, user_id) VALUES ($1, $2)', [DMP, breakGlassId]);
  await platform.admin.query(
    `INSERT INTO membership_roles (publisher_id, user_id, role_id) SELECT $1, $2, id FROM roles WHERE publisher_id = $1 AND key = 'owner'`,
    [DMP, breakGlassId],
  );
  owner = await login(gateway, 'owner@dmp.demo', DEMO_PASSWORD);
}, 120_000);

afterAll(async () => {
  await ad?.unbind().catch(() => {});
  await platform?.stop();
  await dc?.stop();
  if (dcDir) await rm(dcDir, { recursive: true, force: true });
});

async function userIdOf(email: string): Promise<string> {
  const { rows } = await platform.admin.query<{ id: string }>('SELECT id FROM users WHERE email = $1', [email]);
  return rows[0]!.id;
}

describe('connecting a directory', () => {
  it('refuses bad settings field by field, and saves nothing', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ urls: ['http://dc.example'] }, 'urls'],
      [{ urls: [dc.ldapUrl] }, 'urls'], // ldap:// with LDAPS
      [{ userFilter: '(objectClass=user' }, 'userFilter'],
      [{ caCertificate: 'not a certificate' }, 'caCertificate'],
      [{ emailDomains: ['not a domain'] }, 'emailDomains'],
      [{ emailDomains: ['dmp.demo'] }, 'emailDomains'], // accounts of other publishers live there
      [{ breakGlassEmails: ['nobody@dmp.example'] }, 'breakGlassEmails'],
      [{ groupMappings: [{ groupDn: group('Platform Admins'), roleKey: 'no-such-role' }] }, 'groupMappings'],
      [{ syncIntervalMinutes: 1 }, 'syncIntervalMinutes'],
    ];
    for (const [override, field] of cases) {
      const response = await asOwner(CONFIGURE, { input: directoryInput(override) });
      expect(response.errors?.[0]?.extensions, JSON.stringify(override)).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    expect((await asOwner(`{ directory { bindDn } }`)).data.directory).toBeNull();
  });

  it('is not offered to PLATFORM publishers', async () => {
    const songtrust = await login(gateway, 'owner@songtrust.demo', DEMO_PASSWORD);
    const response = await graphql(
      gateway,
      CONFIGURE,
      { input: directoryInput({ emailDomains: ['songtrust.example'], signInMode: 'DIRECTORY', breakGlassEmails: [] }) },
      { token: songtrust.token },
    );
    expect(codesOf(response)).toEqual(['FORBIDDEN']);
  });

  it('needs directory:manage; a Viewer cannot even read it', async () => {
    const viewer = await login(gateway, 'viewer@dmp.demo', DEMO_PASSWORD);
    expect(codesOf(await graphql(gateway, CONFIGURE, { input: directoryInput() }, { token: viewer.token }))).toEqual(['FORBIDDEN']);
    expect(
      codesOf(
        await graphql(
          gateway,
          `
            {
              directory {
                bindDn
              }
            }
          `,
          {},
          { token: viewer.token },
        ),
      ),
    ).toEqual(['FORBIDDEN']);
  });

  it('saves the connection; the bind password is sealed and never answered or audited', async () => {
    const response = await asOwner(CONFIGURE, { input: directoryInput() });
    expect(response.errors).toBeUndefined();
    expect(response.data.configureDirectory).toMatchObject({
      security: 'LDAPS',
      emailDomains: [DOMAIN],
      signInMode: 'HYBRID',
      breakGlassEmails: [BREAK_GLASS],
    });
    const { rows } = await platform.admin.query<{ sealed: string }>(
      'SELECT bind_password_encrypted AS sealed FROM directories WHERE publisher_id = $1',
      [DMP],
    );
    expect(rows[0]!.sealed).toMatch(/^v1\./);
    expect(rows[0]!.sealed).not.toContain(dc.adminPassword);
    const everywhere = await platform.admin.query<{ text: string }>(
      `SELECT data::text AS text FROM audit_log WHERE publisher_id = $1 UNION ALL SELECT payload::text FROM outbox WHERE publisher_id = $1
       UNION ALL SELECT data::text FROM security_events`,
      [DMP],
    );
    for (const { text } of everywhere.rows) expect(text).not.toContain(dc.adminPassword);
    expect(await auditTrailOf(gateway, owner.token, DMP)).toContain('directory.connected');
    // The schema has no field that could carry it.
    const fields = await asOwner(`{ __type(name: "Directory") { fields { name } } }`);
    expect(JSON.stringify(fields.data)).not.toMatch(/password/i);
  });

  it('keeps the stored password when a change omits it', async () => {
    const { bindPassword: _omitted, ...rest } = directoryInput();
    expect((await asOwner(CONFIGURE, { input: rest })).errors).toBeUndefined();
    expect((await asOwner(TEST)).data.testDirectoryConnection.ok).toBe(true);
  });
});

describe('testDirectoryConnection', () => {
  const stepsOf = async (input: Record<string, unknown>) => (await asOwner(TEST, { input })).data.testDirectoryConnection;

  it('passes every step over LDAPS and over StartTLS', async () => {
    for (const input of [directoryInput(), directoryInput({ urls: [dc.ldapUrl], security: 'STARTTLS' })]) {
      const result = await stepsOf(input);
      expect(
        result.steps.map((s: { step: string; ok: boolean }) => [s.step, s.ok]),
        JSON.stringify(result.steps),
      ).toEqual([
        ['REACH', true],
        ['TLS', true],
        ['SERVICE_BIND', true],
        ['USER_SEARCH', true],
        ['GROUP_SEARCH', true],
      ]);
    }
  });

  it('says which step fails and what to fix', async () => {
    const failing = async (input: Record<string, unknown>) => (await stepsOf(input)).steps.find((s: { ok: boolean }) => !s.ok);
    expect(await failing(directoryInput({ urls: ['ldaps://127.0.0.1:1'] }))).toMatchObject({ step: 'REACH' });
    expect(await failing(directoryInput({ caCertificate: null }))).toMatchObject({
      step: 'TLS',
      message: expect.stringContaining('CA certificate'),
    });
    expect(await failing(directoryInput({ bindPassword: 'wrong' }))).toMatchObject({
      step: 'SERVICE_BIND',
      message: expect.stringContaining('bindPassword'),
    });
    expect(await failing(directoryInput({ userBaseDn: `OU=Nobody,${dc.baseDn}` }))).toMatchObject({ step: 'USER_SEARCH' });
    expect(await failing(directoryInput({ groupMappings: [{ groupDn: group('Ghosts'), roleKey: 'viewer' }] }))).toMatchObject({
      step: 'GROUP_SEARCH',
      message: expect.stringContaining('Ghosts'),
    });
  });

  it('tries the URLs in order', async () => {
    const result = await stepsOf(directoryInput({ urls: ['ldaps://127.0.0.1:1', dc.ldapsUrl] }));
    expect(result.ok).toBe(true);
  });
});

describe('signing in through the directory', () => {
  it('provisions the user on first sign-in with the roles its groups map to', async () => {
    const alice = await signIn(`alice@${DOMAIN}`);
    expect(alice.errors).toBeUndefined();
    expect(alice.data.login.activePublisher.slug).toBe('dmp');
    expect(alice.data.login.user).toMatchObject({ email: `alice@${DOMAIN}`, displayName: 'Alice Directory' });
    const member = await asOwner(MEMBER, { id: alice.data.login.user.id });
    expect(member.data.member).toEqual({ status: 'ACTIVE', roles: [{ key: 'admin' }] });
    // The account is linked by objectGUID, and has no password of its own.
    const { rows } = await platform.admin.query(
      'SELECT u.password_hash, i.dn FROM users u JOIN directory_identities i ON i.user_id = u.id WHERE u.email = $1',
      [`alice@${DOMAIN}`],
    );
    expect(rows).toEqual([{ password_hash: null, dn: dn.alice }]);
  });

  it('follows nested groups three deep, and explainAccess names the group', async () => {
    const carol = await signIn(`carol@${DOMAIN}`);
    expect(carol.errors).toBeUndefined();
    const id = carol.data.login.user.id;
    expect((await asOwner(MEMBER, { id })).data.member.roles).toEqual([{ key: 'editor' }]);
    const explained = (await asOwner(EXPLAIN, { id })).data.explainAccess;
    expect(explained.granted).toBe(true);
    expect(explained.directoryGroups).toEqual([group('Platform Editors')]);
    expect(explained.reason).toContain('Platform Editors');
  });

  it('refuses a user in no mapped group: no membership, and an audit entry', async () => {
    const dave = await signIn(`dave@${DOMAIN}`);
    expect(dave.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' }, message: expect.stringContaining('no group') });
    const id = await userIdOf(`dave@${DOMAIN}`);
    expect((await asOwner(MEMBER, { id })).data.member).toBeNull();
    expect(await auditTrailOf(gateway, owner.token, id)).toEqual(['member.refused_by_directory']);
  });

  it("turns AD's sub-codes into reasons, and a wrong password reads as an unknown user", async () => {
    const wrong = await signIn(`bob@${DOMAIN}`, 'Wrong-Password-1!');
    const unknown = await signIn(`nobody@${DOMAIN}`, 'Wrong-Password-1!');
    expect(wrong.errors?.[0]).toEqual(unknown.errors?.[0]);
    expect(wrong.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
    const reasons: Record<string, string> = {
      erin: 'ACCOUNT_DISABLED', // 533
      frank: 'ACCOUNT_EXPIRED', // 701
      grace: 'PASSWORD_MUST_CHANGE', // 773
    };
    for (const [sam, reason] of Object.entries(reasons)) {
      const response = await signIn(`${sam}@${DOMAIN}`);
      expect(response.errors?.[0]?.extensions, sam).toMatchObject({ code: 'UNAUTHENTICATED', reason });
    }
    // 775: AD says "locked" whatever the password, so the caller gets the platform's own lockout
    // answer, which any email can get.
    const heidi = await signIn(`heidi@${DOMAIN}`);
    expect(heidi.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'LOCKED_OUT' });
    // The admin-visible security events carry the reason AD gave.
    await expect
      .poll(async () => {
        const { rows } = await platform.admin.query<{ reason: string }>(
          `SELECT data->>'reason' AS reason FROM security_events WHERE kind = 'login.directory_refused' AND publisher_id = $1`,
          [DMP],
        );
        return rows.map((r) => r.reason);
      })
      .toEqual(
        expect.arrayContaining(['WRONG_CREDENTIALS', 'ACCOUNT_DISABLED', 'ACCOUNT_EXPIRED', 'PASSWORD_MUST_CHANGE', 'ACCOUNT_LOCKED']),
      );
  });

  it('escapes what it puts into the filter: a wildcard email finds nobody', async () => {
    for (const email of [`alic*@${DOMAIN}`, `*@${DOMAIN}`, `*)(userPrincipalName=alice@${DOMAIN}`, `alice@${DOMAIN})(|(cn=*`]) {
      const response = await signIn(email);
      expect(response.errors?.[0]?.extensions, email).toEqual({ code: 'UNAUTHENTICATED' });
    }
  });

  it('signs in over StartTLS and over plain LDAP (outside production) just as over LDAPS', async () => {
    for (const transport of [
      { urls: [dc.ldapUrl], security: 'STARTTLS' },
      { urls: [dc.ldapUrl], security: 'NONE', caCertificate: null },
    ]) {
      expect((await asOwner(CONFIGURE, { input: directoryInput(transport) })).errors).toBeUndefined();
      expect((await signIn(`carol@${DOMAIN}`)).errors, transport.security).toBeUndefined();
    }
    expect((await asOwner(CONFIGURE, { input: directoryInput() })).errors).toBeUndefined();
  });

  it('refuses an empty password before asking the directory', async () => {
    const response = await signIn(`alice@${DOMAIN}`, '');
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'password' });
  });

  it('applies the platform lockout to directory sign-ins', async () => {
    for (let i = 0; i < 5; i++) expect(codesOf(await signIn(`mallory@${DOMAIN}`, 'Wrong-Password-1!'))).toEqual(['UNAUTHENTICATED']);
    const right = await signIn(`mallory@${DOMAIN}`);
    expect(right.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'LOCKED_OUT' });
  });

  it('lets a HYBRID break-glass admin in with the internal password, and nobody else of the domain', async () => {
    expect((await signIn(BREAK_GLASS, DEMO_PASSWORD)).errors).toBeUndefined();
    // Under DIRECTORY the same password no longer works: the email goes to the directory, which has no such user.
    expect((await asOwner(CONFIGURE, { input: directoryInput({ signInMode: 'DIRECTORY', breakGlassEmails: [] }) })).errors).toBeUndefined();
    expect(codesOf(await signIn(BREAK_GLASS, DEMO_PASSWORD))).toEqual(['UNAUTHENTICATED']);
    expect((await asOwner(CONFIGURE, { input: directoryInput() })).errors).toBeUndefined();
  });

  it('enforces the seat limit at provisioning', async () => {
    const { rows } = await platform.admin.query<{ used: number }>(
      'SELECT app_account_seats_used(account_id) AS used FROM publishers WHERE id = $1',
      [DMP],
    );
    await platform.admin.query('UPDATE accounts SET seat_limit = $2 WHERE id = (SELECT account_id FROM publishers WHERE id = $1)', [
      DMP,
      rows[0]!.used,
    ]);
    try {
      const nina = await signIn(`nina@${DOMAIN}`);
      expect(nina.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' }, message: expect.stringContaining('seat') });
    } finally {
      await platform.admin.query('UPDATE accounts SET seat_limit = NULL WHERE id = (SELECT account_id FROM publishers WHERE id = $1)', [
        DMP,
      ]);
    }
  });
});

describe('syncing the directory', () => {
  it('provisions everyone in scope and in a mapped group, and changes nothing the second time', async () => {
    const first = await asOwner(SYNC, { mode: 'FULL' });
    expect(first.errors).toBeUndefined();
    // Everyone enabled in AD, in scope and in a mapped group (alice and carol signed in before).
    // erin is disabled, dave in no mapped group, oscar out of scope; frank, grace and heidi are
    // refused by AD at sign-in only.
    expect(first.data.syncDirectory).toMatchObject({ mode: 'FULL', failed: 0, disabled: 0, removed: 0 });
    const members = await platform.admin.query<{ email: string }>(
      `SELECT u.email FROM user_publishers m JOIN users u ON u.id = m.user_id WHERE m.publisher_id = $1 AND u.email LIKE '%@dmp.example' AND m.status = 'ACTIVE' ORDER BY 1`,
      [DMP],
    );
    expect(members.rows.map((r) => r.email.split('@')[0])).toEqual([
      'alice',
      'bob',
      'breakglass',
      'carol',
      'frank',
      'grace',
      'heidi',
      'ivan',
      'judy',
      'leo',
      'mallory',
      'nina',
    ]);
    expect(await auditTrailOf(gateway, owner.token, await userIdOf(`bob@${DOMAIN}`))).toContain('member.provisioned_by_directory');

    const again = await asOwner(SYNC, { mode: 'FULL' });
    expect(again.data.syncDirectory).toMatchObject({ created: 0, updated: 0, disabled: 0, removed: 0, failed: 0 });
  });

  it('follows AD on the next incremental sync: disabled, removed from a group, renamed, moved out of scope', async () => {
    const judy = await login(gateway, `judy@${DOMAIN}`, PASSWORD);
    const ivanId = await userIdOf(`ivan@${DOMAIN}`);
    await setUserDisabled(ad, dn.judy!, true);
    await removeGroupMember(ad, group('Platform Editors'), dn.bob!);
    await replaceDirectoryAttribute(ad, dn.ivan!, 'displayName', 'Ivan Renamed');
    await ad.modifyDN(dn.ivan!, `CN=Ivan Renamed,${staff()}`);
    await ad.modifyDN(dn.leo!, `CN=Leo Directory,OU=Elsewhere,${dc.baseDn}`);

    const result = await asOwner(SYNC, { mode: 'INCREMENTAL' });
    expect(result.errors).toBeUndefined();
    expect(result.data.syncDirectory).toMatchObject({ mode: 'INCREMENTAL', disabled: 1, removed: 2, failed: 0 });

    expect((await asOwner(MEMBER, { id: judy.userId })).data.member.status).toBe('SUSPENDED');
    // Her session ended with it.
    expect(
      codesOf(
        await graphql(
          gateway,
          `
            {
              me {
                id
              }
            }
          `,
          {},
          { token: judy.token },
        ),
      ),
    ).toEqual(['UNAUTHENTICATED']);
    expect((await asOwner(MEMBER, { id: await userIdOf(`bob@${DOMAIN}`) })).data.member).toBeNull();
    expect((await asOwner(MEMBER, { id: await userIdOf(`leo@${DOMAIN}`) })).data.member).toBeNull();
    // Renamed and moved within scope: the same account, its new name.
    const { rows } = await platform.admin.query('SELECT display_name FROM users WHERE id = $1', [ivanId]);
    expect(rows).toEqual([{ display_name: 'Ivan Renamed' }]);
    expect((await asOwner(MEMBER, { id: ivanId })).data.member.status).toBe('ACTIVE');

    // Enabled again in AD: reinstated by the next sync.
    await setUserDisabled(ad, dn.judy!, false);
    const back = await asOwner(SYNC, { mode: 'INCREMENTAL' });
    expect(back.data.syncDirectory).toMatchObject({ updated: 1, failed: 0 });
    expect((await asOwner(MEMBER, { id: judy.userId })).data.member.status).toBe('ACTIVE');

    // Moved out of scope while no group changed: the incremental sync sees it too.
    await ad.modifyDN(dn.nina!, `CN=Nina Directory,OU=Elsewhere,${dc.baseDn}`);
    const moved = await asOwner(SYNC, { mode: 'INCREMENTAL' });
    expect(moved.data.syncDirectory).toMatchObject({ removed: 1, failed: 0 });
    expect((await asOwner(MEMBER, { id: await userIdOf(`nina@${DOMAIN}`) })).data.member).toBeNull();
  });

  it('runs one sync of a directory at a time, across instances', async () => {
    const lock = new pg.Client({ connectionString: platform.urls.adminUrl });
    await lock.connect();
    try {
      await lock.query(`SELECT pg_advisory_lock(hashtextextended('directory-sync:' || $1, 0))`, [DMP]);
      for (const url of [platform.a.gatewayUrl, platform.b.gatewayUrl]) {
        const refused = await graphql(url, SYNC, { mode: 'FULL' }, { token: owner.token });
        expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringContaining('running') });
      }
      await lock.query(`SELECT pg_advisory_unlock(hashtextextended('directory-sync:' || $1, 0))`, [DMP]);
      // Two at once on two instances: one runs, the other is refused or finds nothing left to do.
      const both = await Promise.all(
        [platform.a.gatewayUrl, platform.b.gatewayUrl].map((url) => graphql(url, SYNC, { mode: 'FULL' }, { token: owner.token })),
      );
      expect(both.filter((r) => r.data?.syncDirectory).length).toBeGreaterThanOrEqual(1);
      for (const r of both) if (r.errors) expect(r.errors[0]!.message).toContain('running');
    } finally {
      await lock.end();
    }
  });
});

describe('the scheduled sync', () => {
  it('syncs a directory when its interval has passed, on one instance of several', async () => {
    const instances = await Promise.all(
      [1, 2].map(async () => {
        const prisma = createPrismaClient(platform.urls.apiUrl, { poolSize: 2 });
        const runtime = await directoryRuntime(serviceConfigForTests({ databaseUrl: platform.urls.apiUrl, dataDir: platform.dataDir }));
        return {
          prisma,
          runtime,
          scheduler: new DirectorySyncScheduler(new ScopedDatabase(prisma), runtime, createLogger('scheduler-spec')),
        };
      }),
    );
    try {
      // Synced a moment ago by the specs above: not due.
      expect(await instances[0]!.scheduler.runDue()).toEqual([]);
      await platform.admin.query(`UPDATE directories SET last_sync_started_at = now() - interval '16 minutes' WHERE publisher_id = $1`, [
        DMP,
      ]);
      const runs = await Promise.all(instances.map((i) => i.scheduler.runDue()));
      expect(runs.flat()).toHaveLength(1);
      expect(runs.flat()[0]).toMatchObject({ failed: 0 });
      // And then it is not due again.
      expect(await instances[1]!.scheduler.runDue()).toEqual([]);
    } finally {
      for (const i of instances) {
        await i.runtime.close();
        await disconnectPrismaClient(i.prisma);
      }
    }
  });
});

describe('the directory commands', () => {
  const env = () => ({ DATABASE_URL: platform.urls.apiUrl, DATA_DIR: platform.dataDir });

  it('directory:sync syncs a publisher with progress, and says when there is nothing to sync', async () => {
    const synced = await runCommand('directory-sync', ['--publisher', 'dmp', '--full'], env());
    expect(synced.code, synced.stderr).toBe(0);
    expect(synced.stdout).toContain('[dmp] FULL sync done');
    expect(synced.stdout).toContain('0 failed');
    const unknown = await runCommand('directory-sync', ['--publisher', 'nope'], env());
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No directory is connected to a publisher "nope"');
  });

  it('directory:rekey re-seals the bind password under a new key, and back', async () => {
    const developmentKey = (await readFile(path.join(platform.dataDir, 'keys', 'directory-secret.key'), 'utf8')).trim();
    const newKey = randomBytes(32).toString('base64');
    const sealedWith = async () =>
      (
        await platform.admin.query<{ id: string }>(
          `SELECT split_part(bind_password_encrypted, '.', 2) AS id FROM directories WHERE publisher_id = $1`,
          [DMP],
        )
      ).rows[0]!.id;
    const before = await sealedWith();
    const forward = await runCommand('directory-rekey', [], {
      ...env(),
      DIRECTORY_SECRET_KEY: newKey,
      DIRECTORY_PREVIOUS_SECRET_KEYS: developmentKey,
    });
    expect(forward.code, forward.stderr).toBe(0);
    expect(forward.stdout).toContain('1 of 1 bind passwords re-sealed');
    expect(await sealedWith()).not.toBe(before);
    // The running services hold only the development key: back to it, and sign-in still works.
    const back = await runCommand('directory-rekey', [], {
      ...env(),
      DIRECTORY_SECRET_KEY: developmentKey,
      DIRECTORY_PREVIOUS_SECRET_KEYS: newKey,
    });
    expect(back.stdout).toContain('1 of 1 bind passwords re-sealed');
    expect(await sealedWith()).toBe(before);
    expect((await signIn(`alice@${DOMAIN}`)).errors).toBeUndefined();
  });
});

describe('another publisher', () => {
  it('gets a domain two publishers claim at once to one of them only', async () => {
    // Spirit's plan must include directory sign-in for it to claim anything.
    await platform.admin.query(
      `UPDATE accounts SET plan = 'boutique-plus' WHERE id = (SELECT account_id FROM publishers WHERE slug = 'spirit')`,
    );
    const claimants = await Promise.all(['owner@sheer.demo', 'owner@spirit.demo'].map((email) => login(gateway, email, DEMO_PASSWORD)));
    const input = directoryInput({ emailDomains: ['contested.example'], signInMode: 'DIRECTORY', breakGlassEmails: [] });
    for (let round = 0; round < 3; round++) {
      await platform.admin.query(`DELETE FROM directories WHERE publisher_id <> $1`, [DMP]);
      const answers = await Promise.all(claimants.map((c) => graphql(gateway, CONFIGURE, { input }, { token: c.token })));
      expect(
        answers.filter((a) => !a.errors),
        JSON.stringify(answers.map((a) => a.errors)),
      ).toHaveLength(1);
      for (const lost of answers.filter((a) => a.errors))
        expect(lost.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'emailDomains' });
      const { rows } = await platform.admin.query(
        `SELECT count(*)::int AS n FROM directory_email_domains WHERE domain = 'contested.example'`,
      );
      expect(rows[0]).toEqual({ n: 1 });
    }
    await platform.admin.query(`DELETE FROM directories WHERE publisher_id <> $1`, [DMP]);
    await platform.admin.query(
      `UPDATE accounts SET plan = 'boutique' WHERE id = (SELECT account_id FROM publishers WHERE slug = 'spirit')`,
    );
  });

  it('cannot read or change this directory, nor claim its domain', async () => {
    const sheer = await login(gateway, 'owner@sheer.demo', DEMO_PASSWORD);
    expect(
      (
        await graphql(
          gateway,
          `
            {
              directory {
                bindDn
              }
            }
          `,
          {},
          { token: sheer.token },
        )
      ).data.directory,
    ).toBeNull();
    const claim = await graphql(
      gateway,
      CONFIGURE,
      { input: directoryInput({ breakGlassEmails: [], signInMode: 'DIRECTORY' }) },
      { token: sheer.token },
    );
    expect(claim.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'emailDomains' });
    expect(codesOf(await graphql(gateway, SYNC, { mode: 'FULL' }, { token: sheer.token }))).toEqual(['NOT_FOUND']);
    // Row-level security: in sheer's scope, dmp's directory rows do not exist.
    const api = new pg.Client({ connectionString: platform.urls.apiUrl });
    await api.connect();
    try {
      await api.query('BEGIN');
      await api.query(`SELECT set_config('app.publisher_id', $1, true)`, [demoId('publisher:sheer')]);
      for (const table of [
        'directories',
        'directory_email_domains',
        'directory_group_mappings',
        'directory_break_glass_users',
        'directory_identities',
      ]) {
        const { rows } = await api.query(`SELECT count(*)::int AS n FROM ${table}`);
        expect(rows[0], table).toEqual({ n: 0 });
      }
      await api.query('ROLLBACK');
    } finally {
      await api.end();
    }
  });
});

describe('when the directory stops', () => {
  it('fails fast with DIRECTORY_UNAVAILABLE, internal sign-in keeps working, and it recovers', { timeout: 60_000 }, async () => {
    await dc.stop();
    try {
      const started = performance.now();
      const down = await signIn(`alice@${DOMAIN}`);
      expect(down.errors?.[0]?.extensions?.code).toBe('DIRECTORY_UNAVAILABLE');
      expect(performance.now() - started).toBeLessThan(3_000);
      expect((await signIn(BREAK_GLASS, DEMO_PASSWORD)).errors).toBeUndefined();
      expect((await signIn('owner@sheer.demo', DEMO_PASSWORD)).errors).toBeUndefined();
      // Three failures open the circuit: the next sign-in does not even try.
      await signIn(`alice@${DOMAIN}`);
      await signIn(`alice@${DOMAIN}`);
      const open = await signIn(`alice@${DOMAIN}`);
      expect(open.errors?.[0]?.extensions).toMatchObject({ code: 'DIRECTORY_UNAVAILABLE', retryAfterSeconds: 2 });
    } finally {
      await dc.start();
    }
    ad = await dc.adminClient();
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect((await signIn(`alice@${DOMAIN}`)).errors).toBeUndefined();
  });
});
