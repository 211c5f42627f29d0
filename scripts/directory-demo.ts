// pnpm directory:demo: a local Samba Active Directory with a few demo users, connected to the demo
// publisher `dmp` of a running `pnpm start`, so that `alice@dmp.example` can sign in and roles
// follow AD groups. Runs until Ctrl-C (which stops the directory); the domain is kept under
// DATA_DIR/samba-demo for the next run.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_PASSWORD } from '@platform/demo-data';
import { graphql, login, startSambaDc, type SambaDc } from '@platform/testing';
import { addDirectoryGroup, addDirectoryUser, addGroupMember, ensureOrganizationalUnit } from '@platform/testing';
import { fail } from './database';

const root = fileURLToPath(new URL('..', import.meta.url));
const gateway = `http://127.0.0.1:${process.env.GATEWAY_PORT ?? 4000}/graphql`;
/** AD's default policy wants upper and lower case, digits and symbols. */
const AD_PASSWORD = 'Demo-Password-2026';
const DOMAIN = 'dmp.example';
const say = (line: string) => console.log(`[directory:demo] ${line}`);

const USERS = [
  { sam: 'alice', givenName: 'Alice', surname: 'Archer', groups: ['Platform Admins'] },
  { sam: 'bob', givenName: 'Bob', surname: 'Baker', groups: ['Platform Editors'] },
  { sam: 'carol', givenName: 'Carol', surname: 'Cole', groups: ['Catalog Team'] },
  { sam: 'dave', givenName: 'Dave', surname: 'Dunn', groups: [] },
];

let dc: SambaDc | undefined;

async function main(): Promise<void> {
  const dir = path.join(path.resolve(process.env.DATA_DIR ?? path.join(root, '.data')), 'samba-demo');
  const started = await startSambaDc({ dir, log: say });
  dc = started;
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  await seed(started);

  say(`connecting the directory to dmp through ${gateway}`);
  const owner = await login(gateway, 'owner@dmp.demo', DEMO_PASSWORD).catch((error: unknown) => {
    throw new Error(`the platform does not answer at ${gateway}: start it first with \`pnpm start\` (${(error as Error).message})`, {
      cause: error,
    });
  });
  const group = (name: string) => `CN=${name},OU=Groups,${started.baseDn}`;
  const configured = await graphql(
    gateway,
    `
      mutation ($input: DirectoryInput!) {
        configureDirectory(input: $input) {
          urls
          signInMode
        }
      }
    `,
    {
      input: {
        urls: [started.ldapsUrl],
        security: 'LDAPS',
        caCertificate: started.caCertificate,
        bindDn: started.adminDn,
        bindPassword: started.adminPassword,
        userBaseDn: `OU=Staff,${started.baseDn}`,
        loginAttribute: 'USER_PRINCIPAL_NAME',
        emailDomains: [DOMAIN],
        signInMode: 'DIRECTORY',
        groupMappings: [
          { groupDn: group('Platform Admins'), roleKey: 'admin' },
          { groupDn: group('Platform Editors'), roleKey: 'editor' },
        ],
      },
    },
    { token: owner.token },
  );
  if (configured.errors) throw new Error(`configureDirectory: ${configured.errors.map((e) => e.message).join('; ')}`);
  const synced = await graphql(
    gateway,
    `
      mutation {
        syncDirectory(mode: FULL) {
          created
          updated
          removed
          unchanged
        }
      }
    `,
    {},
    { token: owner.token },
  );
  if (synced.errors) throw new Error(`syncDirectory: ${synced.errors.map((e) => e.message).join('; ')}`);
  say(`synced: ${JSON.stringify(synced.data.syncDirectory)}`);
  say('');
  say(`Sign in at ${gateway} with password ${AD_PASSWORD} as:`);
  say(`  alice@${DOMAIN}  Admin (AD group Platform Admins)`);
  say(`  bob@${DOMAIN}    Editor (Platform Editors)`);
  say(`  carol@${DOMAIN}  Editor (Catalog Team, in Music Staff, in Platform Editors)`);
  say(`  dave@${DOMAIN}   refused: in no mapped group`);
  say(
    `Change groups with ldapmodify against ${started.ldapUrl} (bind ${started.adminDn} / ${started.adminPassword}), then syncDirectory or \`pnpm directory:sync\`.`,
  );
  say('Ctrl-C stops the directory.');
}

async function seed(dc: SambaDc): Promise<void> {
  const client = await dc.adminClient();
  try {
    const staff = `OU=Staff,${dc.baseDn}`;
    const groups = `OU=Groups,${dc.baseDn}`;
    const existing = await client.search(staff, { scope: 'one', filter: '(objectClass=user)', attributes: ['1.1'] }).catch(() => null);
    if (existing?.searchEntries.length) {
      say(`demo users already in ${staff}`);
      return;
    }
    await ensureOrganizationalUnit(client, staff);
    await ensureOrganizationalUnit(client, groups);
    const dns: Record<string, string> = {};
    for (const user of USERS) {
      dns[user.sam] = await addDirectoryUser(client, { ...user, password: AD_PASSWORD, parentDn: staff, domain: DOMAIN });
      say(`added user ${user.sam}@${DOMAIN}`);
    }
    const members = (name: string) => USERS.filter((u) => u.groups.includes(name)).map((u) => dns[u.sam]!);
    for (const name of ['Platform Admins', 'Platform Editors', 'Music Staff', 'Catalog Team']) {
      await addDirectoryGroup(client, `CN=${name},${groups}`, members(name));
    }
    await addGroupMember(client, `CN=Music Staff,${groups}`, `CN=Catalog Team,${groups}`);
    await addGroupMember(client, `CN=Platform Editors,${groups}`, `CN=Music Staff,${groups}`);
    say('added groups Platform Admins, Platform Editors, Music Staff (in Platform Editors), Catalog Team (in Music Staff)');
  } finally {
    await client.unbind();
  }
}

async function stop(): Promise<void> {
  say('stopping the directory');
  await dc?.stop();
  process.exit(0);
}

await main().catch(async (error: unknown) => {
  await dc?.stop();
  fail(error);
});
