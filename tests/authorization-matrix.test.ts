import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { buildASTSchema, parse } from 'graphql';
import { hashPassword } from '@platform/auth';
import { catalogRules, catalogTypeDefs } from '@platform/catalog';
import { DEMO_PASSWORD, demoId } from '@platform/demo-data';
import { readSupergraph } from '@platform/gateway';
import { identityRules, identityTypeDefs } from '@platform/identity';
import { PLATFORM_ROLES, ROLE_TEMPLATES, type RoleTemplate } from '@platform/permissions';
import { publishersRules, publishersTypeDefs } from '@platform/publishers';
import { permissionsUsedBy, type IRules } from '@platform/access';
import { codesOf, graphql, login, startOwnPlatform, type OwnPlatform } from '@platform/testing';

/**
 * The authorization matrix, derived from the catalog: for every role template and every root
 * field of the composed supergraph, the rule tree names the permissions the field needs, the
 * template grants some permissions, and the gateway must allow exactly when the first are in
 * the second. Then every operation that takes ids is tried with another publisher's ids.
 */

const NOWHERE = '00000000-0000-4000-8000-00000000beef';
const DMP = {
  work: demoId('work:dmp:3'),
  songwriter: demoId('songwriter:dmp:3'),
  recording: demoId('recording:dmp:3'),
  user: demoId('user:viewer@dmp.demo'),
  supportAccess: demoId('matrix:support-access:dmp'),
};

/** DMP's support access request, which Spirit's owner must not be able to decide. */
const dmpSupportAccess = async () =>
  (await admin.query(`SELECT status, decided_at FROM support_access_grants WHERE id = $1`, [DMP.supportAccess])).rows;

/** Downtown's account Owner, which Spirit's owner must not be able to touch. */
const downtownAdministrator = async () =>
  (await admin.query(`SELECT role_key FROM account_members WHERE user_id = $1`, [demoId('user:admin@downtown.demo')])).rows;

interface Operation {
  document: string;
  variables?: (self: { userId: string; slug: string }) => Record<string, unknown>;
  /**
   * The same operation aimed at DMP's objects by Spirit's owner, and what must come back;
   * `target` reads the DMP object through the superuser, before and after: it must exist and
   * stay as it was.
   */
  foreign?: { variables: Record<string, unknown>; expect: 'null' | 'NOT_FOUND' | 'BAD_USER_INPUT'; target?: () => Promise<unknown[]> };
}

/** One example call per root field. A root field without one fails the spec below. */
const OPERATIONS: Record<string, Operation> = {
  'Query.me': { document: `{ me { id } }` },
  'Query.mySessions': { document: `{ mySessions { id } }` },
  'Query.publishers': { document: `{ publishers { id } }` },
  'Query.publisher': {
    document: `query($s: String) { publisher(slug: $s) { id } }`,
    variables: (me) => ({ s: me.slug }),
    foreign: { variables: { s: 'dmp' }, expect: 'null' },
  },
  'Query.permissionCatalog': { document: `{ permissionCatalog { key } }` },
  'Query.members': { document: `{ members { email } }` },
  'Query.member': {
    document: `query($u: ID!) { member(userId: $u) { email } }`,
    variables: (me) => ({ u: me.userId }),
    foreign: { variables: { u: DMP.user }, expect: 'null' },
  },
  'Query.roles': { document: `{ roles { key } }` },
  'Query.invitations': { document: `{ invitations { id } }` },
  'Query.explainAccess': {
    document: `query($u: ID!) { explainAccess(userId: $u, permission: "work:read") { granted } }`,
    variables: (me) => ({ u: me.userId }),
    foreign: { variables: { u: DMP.user }, expect: 'NOT_FOUND' },
  },
  'Query.auditLog': { document: `{ auditLog(first: 1) { totalCount } }` },
  'Query.usage': { document: `{ usage { totals { calls } } }` },
  'Query.securityOverview': { document: `{ securityOverview { counts { kind } recentEvents(first: 1) { kind } } }` },
  'Query.account': { document: `{ account { plan seatsUsed publishers { slug } } }` },
  'Query.plans': { document: `{ plans { key } }` },
  'Query.accountAdministrators': { document: `{ accountAdministrators { email } }` },
  'Query.directory': { document: `{ directory { bindDn } }` },
  'Query.works': { document: `{ works(first: 1) { totalCount } }` },
  'Query.work': {
    document: `query($id: ID!) { work(id: $id) { id } }`,
    variables: () => ({ id: NOWHERE }),
    foreign: { variables: { id: DMP.work }, expect: 'null' },
  },
  'Query.songwriters': { document: `{ songwriters(first: 1) { totalCount } }` },
  'Query.songwriter': {
    document: `query($id: ID!) { songwriter(id: $id) { id } }`,
    variables: () => ({ id: NOWHERE }),
    foreign: { variables: { id: DMP.songwriter }, expect: 'null' },
  },
  'Query.recordings': { document: `{ recordings(first: 1) { totalCount } }` },
  'Query.recording': {
    document: `query($id: ID!) { recording(id: $id) { id } }`,
    variables: () => ({ id: NOWHERE }),
    foreign: { variables: { id: DMP.recording }, expect: 'null' },
  },
  'Mutation.login': { document: `mutation { login(input: { email: "nobody-matrix@x.demo", password: "x" }) { accessToken } }` },
  'Mutation.refreshSession': { document: `mutation { refreshSession(refreshToken: "not.valid") { accessToken } }` },
  'Mutation.switchPublisher': {
    document: `mutation($s: String!) { switchPublisher(publisher: $s) { accessToken } }`,
    variables: (me) => ({ s: me.slug }),
  },
  'Mutation.logout': { document: `mutation { logout }` },
  'Mutation.logoutEverywhere': { document: `mutation { logoutEverywhere }` },
  'Mutation.revokeMemberSessions': {
    document: `mutation($u: ID!) { revokeMemberSessions(userId: $u) }`,
    variables: () => ({ u: NOWHERE }),
    foreign: { variables: { u: DMP.user }, expect: 'NOT_FOUND' },
  },
  'Mutation.changePassword': {
    document: `mutation { changePassword(input: { currentPassword: "not it", newPassword: "whatever long enough" }) }`,
  },
  'Mutation.requestPasswordReset': { document: `mutation { requestPasswordReset(email: "nobody-matrix@x.demo") }` },
  'Mutation.resetPassword': { document: `mutation { resetPassword(input: { token: "made-up", newPassword: "whatever long enough" }) }` },
  'Mutation.acceptInvitation': {
    document: `mutation { acceptInvitation(input: { token: "made-up", password: "whatever long enough" }) { accessToken } }`,
  },
  // No directory is connected in this spec's database, and the input below is refused before
  // anything is saved: allowed callers get NOT_FOUND, false or BAD_USER_INPUT, never a change.
  'Mutation.configureDirectory': {
    document: `mutation { configureDirectory(input: { urls: ["http://not-ldap"], security: LDAPS, bindDn: "CN=x", bindPassword: "x", userBaseDn: "DC=x", loginAttribute: USER_PRINCIPAL_NAME, emailDomains: ["matrix.example"], signInMode: DIRECTORY, groupMappings: [] }) { bindDn } }`,
  },
  'Mutation.removeDirectory': { document: `mutation { removeDirectory }` },
  'Mutation.testDirectoryConnection': { document: `mutation { testDirectoryConnection { ok } }` },
  'Mutation.syncDirectory': { document: `mutation { syncDirectory(mode: FULL) { created } }` },
  'Query.partnerClients': { document: `{ partnerClients { id } }` },
  'Query.persistedQueries': { document: `{ persistedQueries { version } }` },
  'Mutation.createPartnerClient': {
    document: `mutation($n: String!) { createPartnerClient(input: { name: $n, permissions: ["work:read"] }) { client { id } } }`,
    variables: (me) => ({ n: `matrix-${me.userId.slice(0, 8)}-${Date.now()}` }),
  },
  'Mutation.rotatePartnerKey': {
    document: `mutation($id: ID!) { rotatePartnerKey(id: $id) { apiKey } }`,
    variables: () => ({ id: NOWHERE }),
  },
  'Mutation.revokePartnerClient': {
    document: `mutation($id: ID!) { revokePartnerClient(id: $id) { id } }`,
    variables: () => ({ id: NOWHERE }),
  },
  'Mutation.setPartnerClientMode': {
    document: `mutation($id: ID!) { setPartnerClientMode(id: $id, mode: AUDIT) { id } }`,
    variables: () => ({ id: NOWHERE }),
  },
  // Refused as BAD_USER_INPUT by anyone allowed: nothing is registered.
  'Mutation.registerPersistedQueries': {
    document: `mutation { registerPersistedQueries(manifest: { format: "not-a-manifest", version: 1, operations: [] }) { version } }`,
  },
  'Mutation.inviteMember': {
    document: `mutation($e: String!) { inviteMember(input: { email: $e, roles: ["viewer"] }) { id } }`,
    variables: (me) => ({ e: `invited-by-${me.userId.slice(0, 8)}-${Date.now()}@matrix.demo` }),
  },
  'Mutation.revokeInvitation': { document: `mutation($id: ID!) { revokeInvitation(id: $id) { id } }`, variables: () => ({ id: NOWHERE }) },
  'Mutation.changeMemberRoles': {
    document: `mutation($u: ID!) { changeMemberRoles(userId: $u, roles: ["viewer"]) { email } }`,
    variables: () => ({ u: NOWHERE }),
    foreign: { variables: { u: DMP.user }, expect: 'NOT_FOUND' },
  },
  'Mutation.suspendMember': {
    document: `mutation($u: ID!) { suspendMember(userId: $u) { email } }`,
    variables: () => ({ u: NOWHERE }),
    foreign: { variables: { u: DMP.user }, expect: 'NOT_FOUND' },
  },
  'Mutation.reinstateMember': {
    document: `mutation($u: ID!) { reinstateMember(userId: $u) { email } }`,
    variables: () => ({ u: NOWHERE }),
    foreign: { variables: { u: DMP.user }, expect: 'NOT_FOUND' },
  },
  'Mutation.removeMember': {
    document: `mutation($u: ID!) { removeMember(userId: $u) }`,
    variables: () => ({ u: NOWHERE }),
    foreign: { variables: { u: DMP.user }, expect: 'NOT_FOUND' },
  },
  'Mutation.createRole': {
    document: `mutation($k: String!) { createRole(input: { key: $k, name: "Matrix", permissions: ["work:read"] }) { key } }`,
    variables: (me) => ({ k: `m-${me.userId.slice(0, 8)}-${Date.now() % 100000}` }),
  },
  // The templates' rows aim at a role of their own publisher that does not exist; the foreign rows
  // at DMP's custom role, which no template's row touches.
  'Mutation.updateRole': {
    document: `mutation($k: String!) { updateRole(key: $k, input: { name: "Renamed" }) { key } }`,
    variables: () => ({ k: 'no-such-role' }),
    foreign: { variables: { k: 'dmp-only-role' }, expect: 'NOT_FOUND', target: dmpOnlyRole },
  },
  'Mutation.deleteRole': {
    document: `mutation($k: String!) { deleteRole(key: $k) }`,
    variables: () => ({ k: 'no-such-role' }),
    foreign: { variables: { k: 'dmp-only-role' }, expect: 'NOT_FOUND', target: dmpOnlyRole },
  },
  'Mutation.updatePublisher': { document: `mutation { updatePublisher(input: {}) { id } }` },
  'Mutation.updateBilling': { document: `mutation { updateBilling(input: {}) { plan } }` },
  // A plan that does not exist: a holder is answered BAD_USER_INPUT, and no account changes.
  // A role no account may hold: a holder is answered BAD_USER_INPUT before any account check.
  'Mutation.grantAccountRole': { document: `mutation { grantAccountRole(email: "nobody@example.com", role: "client") { email } }` },
  'Mutation.revokeAccountRole': {
    document: `mutation($u: ID!) { revokeAccountRole(userId: $u) }`,
    variables: () => ({ u: NOWHERE }),
    foreign: { variables: { u: demoId('user:admin@downtown.demo') }, expect: 'NOT_FOUND', target: downtownAdministrator },
  },
  'Mutation.changePlan': { document: `mutation { changePlan(plan: "no-such-plan") { plan } }` },
  'Mutation.createWork': {
    document: `mutation { createWork(input: { title: "Matrix work" }) { id } }`,
    foreign: { variables: {}, expect: 'BAD_USER_INPUT' },
  },
  'Mutation.updateWork': {
    document: `mutation($id: ID!) { updateWork(id: $id, input: { title: "Renamed" }) { id } }`,
    variables: () => ({ id: NOWHERE }),
    foreign: { variables: { id: DMP.work }, expect: 'NOT_FOUND' },
  },
  'Mutation.importWorks': { document: `mutation { importWorks(csv: "title\\nMatrix import") { imported } }` },
  'Mutation.createSongwriter': { document: `mutation { createSongwriter(input: { name: "Matrix Writer" }) { id } }` },
  'Mutation.updateSongwriter': {
    document: `mutation($id: ID!) { updateSongwriter(id: $id, input: { name: "Renamed" }) { id } }`,
    variables: () => ({ id: NOWHERE }),
    foreign: { variables: { id: DMP.songwriter }, expect: 'NOT_FOUND' },
  },
  'Mutation.deleteSongwriter': {
    document: `mutation($id: ID!) { deleteSongwriter(id: $id) }`,
    variables: () => ({ id: NOWHERE }),
    foreign: { variables: { id: DMP.songwriter }, expect: 'NOT_FOUND' },
  },
  'Mutation.createRecording': { document: `mutation { createRecording(input: { title: "Matrix Take" }) { id } }` },
  'Mutation.updateRecording': {
    document: `mutation($id: ID!) { updateRecording(id: $id, input: { title: "Renamed" }) { id } }`,
    variables: () => ({ id: NOWHERE }),
    foreign: { variables: { id: DMP.recording }, expect: 'NOT_FOUND' },
  },
  'Mutation.deleteRecording': {
    document: `mutation($id: ID!) { deleteRecording(id: $id) }`,
    variables: () => ({ id: NOWHERE }),
    foreign: { variables: { id: DMP.recording }, expect: 'NOT_FOUND' },
  },
  // Platform operations aim at ids that exist nowhere, or a plan that does not: an operator
  // allowed to call them is answered NOT_FOUND or BAD_USER_INPUT, and nothing changes.
  'Query.platformPublishers': { document: `{ platformPublishers(first: 1) { totalCount } }` },
  'Query.platformAccounts': { document: `{ platformAccounts(first: 1) { totalCount } }` },
  'Query.platformAuditLog': { document: `{ platformAuditLog(first: 1) { totalCount } }` },
  'Mutation.createAccount': { document: `mutation { createAccount(input: { name: "Matrix", plan: "no-such-plan" }) { id } }` },
  'Mutation.createPublisher': {
    document: `mutation($a: ID!) { createPublisher(input: { accountId: $a, slug: "matrix-made", name: "Matrix", type: BOUTIQUE }) { id } }`,
    variables: () => ({ a: NOWHERE }),
  },
  'Mutation.inviteFirstOwner': {
    document: `mutation($p: ID!) { inviteFirstOwner(publisherId: $p, email: "first@matrix.demo") { id } }`,
    variables: () => ({ p: NOWHERE }),
  },
  'Mutation.suspendPublisher': {
    document: `mutation($p: ID!) { suspendPublisher(publisherId: $p, reason: "matrix") { id } }`,
    variables: () => ({ p: NOWHERE }),
  },
  'Mutation.reactivatePublisher': {
    document: `mutation($p: ID!) { reactivatePublisher(publisherId: $p) { id } }`,
    variables: () => ({ p: NOWHERE }),
  },
  'Mutation.changePublisherType': {
    document: `mutation($p: ID!) { changePublisherType(input: { publisherId: $p, type: BOUTIQUE, confirmSlug: "x" }) { id } }`,
    variables: () => ({ p: NOWHERE }),
  },
  'Mutation.setSubscriptionStatus': {
    document: `mutation($a: ID!) { setSubscriptionStatus(accountId: $a, status: ACTIVE) { id } }`,
    variables: () => ({ a: NOWHERE }),
  },
  'Query.offboarding': {
    document: `query($p: ID!) { offboarding(publisherId: $p) { slug } }`,
    variables: () => ({ p: NOWHERE }),
  },
  'Mutation.startOffboarding': {
    document: `mutation($p: ID!) { startOffboarding(input: { publisherId: $p, confirmSlug: "nowhere" }) { slug } }`,
    variables: () => ({ p: NOWHERE }),
  },
  'Mutation.offboardPublisher': {
    document: `mutation($p: ID!) { offboardPublisher(input: { publisherId: $p, confirmSlug: "nowhere" }) { slug } }`,
    variables: () => ({ p: NOWHERE }),
  },
  'Query.supportAccessRequests': { document: `{ supportAccessRequests { id } }` },
  'Query.mySupportAccess': { document: `{ mySupportAccess { id } }` },
  'Mutation.requestSupportAccess': {
    document: `mutation($p: ID!) { requestSupportAccess(input: { publisherId: $p, reason: "matrix support case", durationMinutes: 30, permissions: ["work:read"] }) { id } }`,
    variables: () => ({ p: NOWHERE }),
  },
  'Mutation.breakGlass': {
    document: `mutation($p: ID!) { breakGlass(input: { publisherId: $p, reason: "matrix emergency case", permissions: ["work:read"] }) { id } }`,
    variables: () => ({ p: NOWHERE }),
  },
  'Mutation.approveSupportAccess': {
    document: `mutation($id: ID!) { approveSupportAccess(id: $id) { id } }`,
    variables: () => ({ id: NOWHERE }),
    foreign: { variables: { id: DMP.supportAccess }, expect: 'NOT_FOUND', target: dmpSupportAccess },
  },
  'Mutation.denySupportAccess': {
    document: `mutation($id: ID!) { denySupportAccess(id: $id) { id } }`,
    variables: () => ({ id: NOWHERE }),
    foreign: { variables: { id: DMP.supportAccess }, expect: 'NOT_FOUND', target: dmpSupportAccess },
  },
  'Mutation.revokeSupportAccess': {
    document: `mutation($id: ID!) { revokeSupportAccess(id: $id) { id } }`,
    variables: () => ({ id: NOWHERE }),
    foreign: { variables: { id: DMP.supportAccess }, expect: 'NOT_FOUND', target: dmpSupportAccess },
  },
  'Mutation.deleteWork': {
    document: `mutation($id: ID!) { deleteWork(id: $id) }`,
    variables: () => ({ id: NOWHERE }),
    foreign: { variables: { id: DMP.work }, expect: 'NOT_FOUND' },
  },
};

async function dmpOnlyRole(): Promise<unknown[]> {
  return (
    await admin.query(`SELECT id, key, name, updated_at FROM roles WHERE publisher_id = $1 AND key = 'dmp-only-role'`, [
      demoId('publisher:dmp'),
    ])
  ).rows;
}

/** createWork's foreign variant names DMP's songwriter as a writer of a Spirit work. */
const FOREIGN_DOCUMENTS: Record<string, string> = {
  'Mutation.createWork': `mutation { createWork(input: { title: "Borrowed", writers: [{ songwriterId: "${DMP.songwriter}", share: 100 }] }) { id } }`,
};

const SUBGRAPH_RULES: { typeDefs: string; rules: IRules }[] = [
  { typeDefs: identityTypeDefs, rules: identityRules },
  { typeDefs: publishersTypeDefs, rules: publishersRules },
  { typeDefs: catalogTypeDefs, rules: catalogRules },
];

/** Root fields of the composed supergraph, as `Query.works`. */
function supergraphRootFields(): string[] {
  const schema = buildASTSchema(parse(readSupergraph()), { assumeValidSDL: true });
  return [schema.getQueryType(), schema.getMutationType()].flatMap((root) =>
    Object.keys(root?.getFields() ?? {})
      .filter((f) => !f.startsWith('_'))
      .map((f) => `${root!.name}.${f}`),
  );
}

/** The rule of a root field, from the rule tree of the subgraph that owns it. */
function ruleOf(rootField: string): unknown {
  const [type, field] = rootField.split('.') as [string, string];
  const owner = SUBGRAPH_RULES.find((s) => new RegExp(`type ${type} \\{[^}]*\\n\\s+${field}[(:]`).test(s.typeDefs));
  if (!owner) throw new Error(`No subgraph defines ${rootField}`);
  return ((owner.rules as Record<string, Record<string, unknown>>)[type] ?? {})[field];
}

/** What the field's rule asks for. */
function permissionsNeeded(rootField: string): string[] {
  const [type, field] = rootField.split('.') as [string, string];
  return [...permissionsUsedBy({ [type]: { [field]: ruleOf(rootField) } } as IRules)];
}

/** Whether the field's rule asks for a membership of the active publisher (isMember), which no platform session has. */
function needsMembership(rootField: string): boolean {
  return (ruleOf(rootField) as { name?: string } | undefined)?.name === 'is-member';
}

let platform: OwnPlatform;
let admin: pg.Client;
const sessions = new Map<string, { email: string; userId: string; slug: string }>();

function homeOf(template: RoleTemplate): string {
  return template.publisherTypes.includes('ENTERPRISE') ? 'dmp' : 'songtrust';
}

beforeAll(async () => {
  platform = await startOwnPlatform(inject('clusterAdminUrl'), 'matrix_spec');
  admin = platform.admin;
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  for (const template of ROLE_TEMPLATES) {
    const slug = homeOf(template);
    const email = `matrix-${template.key}@${slug}.demo`;
    const userId = demoId(`matrix:${template.key}`);
    await admin.query(`INSERT INTO users (id, email, display_name, password_hash) VALUES ($1, $2, $3, $4)`, [
      userId,
      email,
      `Matrix ${template.name}`,
      passwordHash,
    ]);
    await admin.query(`INSERT INTO user_publishers (publisher_id, user_id, songwriter_id) VALUES ($1, $2, $3)`, [
      demoId(`publisher:${slug}`),
      userId,
      template.ownWorksOnly ? demoId(`songwriter:${slug}:client`) : null,
    ]);
    await admin.query(
      `INSERT INTO membership_roles (publisher_id, user_id, role_id) SELECT $1, $2, id FROM roles WHERE publisher_id = $1 AND key = $3`,
      [demoId(`publisher:${slug}`), userId, template.key],
    );
    sessions.set(template.key, { email, userId, slug });
  }
  // A support access request that exists only in DMP, for the foreign decisions.
  await admin.query(
    `INSERT INTO support_access_grants (publisher_id, id, user_id, reason, permissions, duration_minutes, status)
     VALUES ($1, $2, $3, 'a support case of DMP', '{work:read}', 30, 'REQUESTED')`,
    [demoId('publisher:dmp'), DMP.supportAccess, demoId('user:operator@platform.demo')],
  );
  // A custom role that exists only in DMP, for the foreign role operations.
  await admin.query(`INSERT INTO roles (publisher_id, key, name) VALUES ($1, 'dmp-only-role', 'DMP only')`, [demoId('publisher:dmp')]);
});

afterAll(async () => {
  await platform?.stop();
});

describe('the authorization matrix', () => {
  it('has an example call for every root field of the supergraph', () => {
    expect(supergraphRootFields().filter((f) => !OPERATIONS[f])).toEqual([]);
    expect(Object.keys(OPERATIONS).filter((f) => !supergraphRootFields().includes(f))).toEqual([]);
  });

  for (const template of ROLE_TEMPLATES) {
    it(`allows ${template.name} exactly the operations its permissions cover`, async () => {
      const me = sessions.get(template.key)!;
      const granted = new Set<string>(template.permissions);
      const wrong: string[] = [];
      for (const field of supergraphRootFields()) {
        const operation = OPERATIONS[field]!;
        // A fresh session per call: logout and logoutEverywhere are in the matrix too.
        const session = await login(platform.a.gatewayUrl, me.email, DEMO_PASSWORD);
        const response = await graphql(platform.a.gatewayUrl, operation.document, operation.variables?.(me) ?? {}, {
          token: session.token,
        });
        const needed = permissionsNeeded(field);
        const allowed = needed.every((p) => granted.has(p));
        const forbidden = codesOf(response).includes('FORBIDDEN');
        const leaked = Object.values(response.data ?? {}).some((value) => value !== null);
        if (allowed && forbidden) wrong.push(`${field}: refused, but ${template.key} holds ${needed.join(', ') || 'what it needs'}`);
        if (!allowed && (!forbidden || leaked))
          wrong.push(`${field}: answered, but ${template.key} lacks ${needed.filter((p) => !granted.has(p)).join(', ')}`);
      }
      expect(wrong).toEqual([]);
    });
  }
});

describe('the authorization matrix of platform roles', () => {
  for (const role of PLATFORM_ROLES) {
    it(`allows ${role.name} exactly the operations its platform permissions cover, and nothing inside a publisher`, async () => {
      const email = role.key === 'platform:operator' ? 'operator@platform.demo' : 'support@platform.demo';
      const granted = new Set<string>(role.permissions);
      const wrong: string[] = [];
      for (const field of supergraphRootFields()) {
        const operation = OPERATIONS[field]!;
        const session = await login(platform.a.gatewayUrl, email, DEMO_PASSWORD);
        const me = { userId: session.userId, slug: 'platform' };
        const response = await graphql(platform.a.gatewayUrl, operation.document, operation.variables?.(me) ?? {}, {
          token: session.token,
        });
        const needed = permissionsNeeded(field);
        const allowed = needed.every((p) => granted.has(p)) && !needsMembership(field);
        const forbidden = codesOf(response).includes('FORBIDDEN');
        const leaked = Object.values(response.data ?? {}).some((value) => value !== null);
        if (allowed && forbidden) wrong.push(`${field}: refused, but ${role.key} holds ${needed.join(', ') || 'what it needs'}`);
        if (!allowed && (!forbidden || leaked))
          wrong.push(`${field}: answered, but ${role.key} needs ${needed.join(', ') || 'a membership'}`);
      }
      expect(wrong).toEqual([]);
    });
  }
});

describe("another publisher's ids", () => {
  for (const [field, operation] of Object.entries(OPERATIONS).filter(([, op]) => op.foreign)) {
    it(`${field} answers ${operation.foreign!.expect === 'null' ? 'null' : operation.foreign!.expect} for DMP's objects asked by Spirit's owner`, async () => {
      const spirit = await login(platform.a.gatewayUrl, 'owner@spirit.demo', DEMO_PASSWORD);
      const before = await operation.foreign!.target?.();
      if (before) expect(before, 'the DMP object must exist for this row to prove anything').toHaveLength(1);
      const response = await graphql(platform.a.gatewayUrl, FOREIGN_DOCUMENTS[field] ?? operation.document, operation.foreign!.variables, {
        token: spirit.token,
      });
      if (before) expect(await operation.foreign!.target!()).toEqual(before);
      if (operation.foreign!.expect === 'null') {
        expect(response.errors).toBeUndefined();
        expect(Object.values(response.data)).toEqual([null]);
      } else {
        expect(codesOf(response)).toEqual([operation.foreign!.expect]);
        expect(Object.values(response.data ?? {}).filter((v) => v !== null)).toEqual([]);
      }
    });
  }
});

describe('personal data on nested paths', () => {
  // Every work of DMP and Songtrust gets a creator, whose email the path work.createdBy reaches.
  beforeAll(async () => {
    for (const slug of ['dmp', 'songtrust']) {
      await admin.query(`UPDATE works SET created_by = $2 WHERE publisher_id = $1`, [
        demoId(`publisher:${slug}`),
        demoId(`user:owner@${slug}.demo`),
      ]);
    }
  });

  for (const template of ROLE_TEMPLATES.filter((t) => t.permissions.includes('work:read'))) {
    const mayReadMembers = template.permissions.includes('member:read');
    it(`gives ${template.name} a member's email through work.createdBy ${mayReadMembers ? 'with' : 'never without'} member:read`, async () => {
      const me = sessions.get(template.key)!;
      const session = await login(platform.a.gatewayUrl, me.email, DEMO_PASSWORD);
      const response = await graphql(
        platform.a.gatewayUrl,
        `
          {
            works(first: 3) {
              edges {
                node {
                  id
                  createdBy {
                    id
                    displayName
                    email
                  }
                }
              }
            }
          }
        `,
        {},
        { token: session.token },
      );
      const creators = (response.data?.works?.edges ?? []).map((e: { node: { createdBy: { email?: string } | null } }) => e.node.createdBy);
      expect(creators.length).toBeGreaterThan(0);
      const emails = creators.filter((c: { email?: string } | null) => c?.email);
      if (mayReadMembers) {
        expect(response.errors).toBeUndefined();
        expect(emails.length).toBe(creators.length);
      } else {
        expect(emails).toEqual([]);
        expect(JSON.stringify(response.data)).not.toContain('@');
        expect(codesOf(response)).toContain('FORBIDDEN');
      }
    });
  }

  it("lets anyone read their own email, and no one another member's without member:read", async () => {
    const viewer = await login(platform.a.gatewayUrl, sessions.get('viewer')!.email, DEMO_PASSWORD);
    expect(
      (
        await graphql(
          platform.a.gatewayUrl,
          `
            {
              me {
                email
              }
            }
          `,
          {},
          { token: viewer.token },
        )
      ).data.me.email,
    ).toBe(sessions.get('viewer')!.email);
    const entities = await graphql(
      platform.a.identityUrl,
      `
        query ($r: [_Any!]!) {
          _entities(representations: $r) {
            ... on User {
              email
            }
          }
        }
      `,
      { r: [{ __typename: 'User', id: demoId('user:owner@dmp.demo') }] },
      { token: viewer.token },
    );
    expect(JSON.stringify(entities.data ?? {})).not.toContain('@');
  });
});
