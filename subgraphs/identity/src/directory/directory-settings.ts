import { X509Certificate } from 'node:crypto';
import { assertMayGrant } from '@platform/access';
import type { Actor } from '@platform/auth';
import type { Directory, Tx } from '@platform/db';
import { InvalidInput } from '@platform/errors';
import { recordChange } from '@platform/events';
import { keepDirectoryRolesByHand } from '@platform/publishers/directory-members';
import { requirePlanFeature } from '@platform/publishers/plans';
import { parseUserFilter, type DirectoryConnection, type DirectorySecurity, type LoginAttribute } from './directory-client';
import type { SecretBox } from './secret-box';

export type SignInMode = 'INTERNAL' | 'DIRECTORY' | 'HYBRID';

export interface DirectoryInput {
  urls: string[];
  security: DirectorySecurity;
  caCertificate?: string | null;
  bindDn: string;
  /** Write-only; omitted on a change, the stored one stays. */
  bindPassword?: string | null;
  userBaseDn: string;
  userFilter?: string | null;
  loginAttribute: LoginAttribute;
  emailDomains: string[];
  signInMode: SignInMode;
  breakGlassEmails?: string[] | null;
  groupMappings: { groupDn: string; roleKey: string }[];
  syncIntervalMinutes?: number | null;
}

/** What the API shows of a directory: everything but the bind password. */
export interface DirectoryModel {
  urls: string[];
  security: DirectorySecurity;
  caCertificate: string | null;
  bindDn: string;
  userBaseDn: string;
  userFilter: string;
  loginAttribute: LoginAttribute;
  emailDomains: string[];
  signInMode: SignInMode;
  breakGlassEmails: string[];
  groupMappings: { groupDn: string; roleKey: string }[];
  syncIntervalMinutes: number;
  lastSync: unknown;
  updatedAt: Date;
}

export const DEFAULT_USER_FILTER = '(&(objectCategory=person)(objectClass=user))';

export async function directoryOf(tx: Tx, publisherId: string): Promise<DirectoryModel | null> {
  const directory = await tx.directory.findUnique({ where: { publisherId } });
  if (!directory) return null;
  const [domains, mappings, breakGlass] = await Promise.all([
    tx.directoryEmailDomain.findMany({ where: { publisherId }, orderBy: { domain: 'asc' } }),
    tx.directoryGroupMapping.findMany({ where: { publisherId } }),
    tx.directoryBreakGlassUser.findMany({ where: { publisherId } }),
  ]);
  const roles = await tx.role.findMany({
    where: { publisherId, id: { in: mappings.map((m) => m.roleId) } },
    select: { id: true, key: true },
  });
  const users = await tx.user.findMany({ where: { id: { in: breakGlass.map((b) => b.userId) } }, select: { email: true } });
  return {
    urls: directory.urls,
    security: directory.security,
    caCertificate: directory.caCertificate,
    bindDn: directory.bindDn,
    userBaseDn: directory.userBaseDn,
    userFilter: directory.userFilter,
    loginAttribute: directory.loginAttribute,
    emailDomains: domains.map((d) => d.domain),
    signInMode: directory.signInMode,
    breakGlassEmails: users.map((u) => u.email).sort(),
    groupMappings: mappings
      .map((m) => ({ groupDn: m.groupDn, roleKey: roles.find((r) => r.id === m.roleId)?.key ?? '' }))
      .sort((a, b) => a.groupDn.localeCompare(b.groupDn) || a.roleKey.localeCompare(b.roleKey)),
    syncIntervalMinutes: directory.syncIntervalMinutes,
    lastSync: directory.lastSyncResult,
    updatedAt: directory.updatedAt,
  };
}

export interface DirectoryPolicy {
  /** Security NONE (passwords in clear text on the wire) is refused in production. */
  production: boolean;
}

/**
 * Connects the active publisher to its directory, or changes the connection: every field is
 * checked before anything is written, and the whole change is one transaction with its audit
 * entry (which never holds the password).
 */
export async function configureDirectory(
  tx: Tx,
  actor: Actor,
  secrets: SecretBox,
  policy: DirectoryPolicy,
  input: DirectoryInput,
): Promise<DirectoryModel> {
  const { publisherId } = actor;
  await requirePlanFeature(tx, publisherId, 'directory_sign_in');
  const existing = await tx.directory.findUnique({ where: { publisherId } });
  const { urls, security, caCertificate, bindDn, userBaseDn, userFilter } = checkedConnection(publisherId, input, '', policy);
  const password = input.bindPassword ?? '';
  if (!password && !existing) throw new InvalidInput('bindPassword is required when the directory is first connected', 'bindPassword');
  const syncIntervalMinutes = input.syncIntervalMinutes ?? existing?.syncIntervalMinutes ?? 15;
  if (!Number.isInteger(syncIntervalMinutes) || syncIntervalMinutes < 5 || syncIntervalMinutes > 1440) {
    throw new InvalidInput('syncIntervalMinutes must be a whole number from 5 to 1440', 'syncIntervalMinutes');
  }
  const domains = await validDomains(tx, input.emailDomains, input.signInMode);
  const breakGlass = await breakGlassUsers(tx, publisherId, input.breakGlassEmails ?? [], input.signInMode);
  const mappings = await validMappings(tx, actor, input.groupMappings);

  const data = {
    urls,
    security,
    caCertificate,
    bindDn,
    userBaseDn,
    userFilter,
    loginAttribute: input.loginAttribute,
    signInMode: input.signInMode,
    syncIntervalMinutes,
    updatedAt: new Date(),
    updatedBy: actor.userId,
    ...(password ? { bindPasswordEncrypted: secrets.seal(password) } : {}),
  };
  if (existing) await tx.directory.update({ where: { publisherId }, data });
  else await tx.directory.create({ data: { publisherId, ...data, bindPasswordEncrypted: secrets.seal(password) } });

  await tx.directoryEmailDomain.deleteMany({ where: { publisherId } });
  // Two publishers claiming one domain at once both pass the check above; the primary key lets
  // one of them have it.
  await tx.directoryEmailDomain.createMany({ data: domains.map((domain) => ({ domain, publisherId })) }).catch((error: unknown) => {
    if ((error as { code?: unknown }).code === 'P2002') throw domainTaken(domains.join(', '));
    throw error;
  });
  await tx.directoryGroupMapping.deleteMany({ where: { publisherId } });
  await tx.directoryGroupMapping.createMany({ data: mappings.map((m) => ({ publisherId, groupDn: m.groupDn, roleId: m.roleId })) });
  await tx.directoryBreakGlassUser.deleteMany({ where: { publisherId } });
  await tx.directoryBreakGlassUser.createMany({ data: breakGlass.map((userId) => ({ publisherId, userId })) });

  await recordChange(tx, actor, {
    entityType: 'Directory',
    entityId: publisherId,
    action: existing ? 'directory.changed' : 'directory.connected',
    data: {
      urls,
      security,
      bindDn,
      userBaseDn,
      userFilter,
      signInMode: input.signInMode,
      emailDomains: domains,
      groupMappings: mappings.map((m) => ({ groupDn: m.groupDn, roleKey: m.roleKey })),
      breakGlassUsers: breakGlass,
      bindPasswordChanged: Boolean(password),
    },
  });
  return (await directoryOf(tx, publisherId))!;
}

/** The connection an input describes, every field checked; BAD_USER_INPUT names the first one at fault. */
export function checkedConnection(
  publisherId: string,
  input: DirectoryInput,
  bindPassword: string,
  policy: DirectoryPolicy,
): DirectoryConnection {
  const security = input.security;
  if (security === 'NONE' && policy.production) {
    throw new InvalidInput('Security NONE sends passwords in clear text; use LDAPS or STARTTLS in production', 'security');
  }
  let userFilter: string;
  try {
    userFilter = parseUserFilter(input.userFilter?.trim() || DEFAULT_USER_FILTER);
  } catch (error) {
    throw new InvalidInput(`userFilter is not a valid LDAP filter: ${(error as Error).message}`, 'userFilter');
  }
  return {
    publisherId,
    urls: validUrls(input.urls, security),
    security,
    caCertificate: validCertificate(input.caCertificate),
    bindDn: required(input.bindDn, 'bindDn', 'the DN of the service account, e.g. CN=svc-platform,OU=Service,DC=example,DC=com'),
    bindPassword,
    userBaseDn: required(input.userBaseDn, 'userBaseDn', 'the DN under which users are searched, e.g. OU=Staff,DC=example,DC=com'),
    userFilter,
  };
}

/** Disconnects the directory: its users keep their accounts and memberships, which admins then manage by hand. */
export async function removeDirectory(tx: Tx, actor: Actor): Promise<boolean> {
  const { publisherId } = actor;
  const { count } = await tx.directory.deleteMany({ where: { publisherId } });
  if (count === 0) return false;
  await keepDirectoryRolesByHand(tx, publisherId);
  await recordChange(tx, actor, { entityType: 'Directory', entityId: publisherId, action: 'directory.disconnected', data: {} });
  return true;
}

/** The stored connection of a publisher, its bind password opened; null without one. */
export async function connectionOf(
  tx: Tx,
  secrets: SecretBox,
  publisherId: string,
): Promise<{ row: Directory; connection: DirectoryConnection } | null> {
  const row = await tx.directory.findUnique({ where: { publisherId } });
  if (!row) return null;
  return { row, connection: toConnection(row, secrets.open(row.bindPasswordEncrypted)) };
}

export function toConnection(
  row: Pick<Directory, 'publisherId' | 'urls' | 'security' | 'caCertificate' | 'bindDn' | 'userBaseDn' | 'userFilter'>,
  bindPassword: string,
): DirectoryConnection {
  return {
    publisherId: row.publisherId,
    urls: row.urls,
    security: row.security,
    caCertificate: row.caCertificate,
    bindDn: row.bindDn,
    bindPassword,
    userBaseDn: row.userBaseDn,
    userFilter: row.userFilter,
  };
}

function required(value: string, field: string, hint: string): string {
  const trimmed = value.trim();
  if (!trimmed || trimmed.length > 1024) throw new InvalidInput(`${field} must be ${hint}`, field);
  return trimmed;
}

function validUrls(urls: string[], security: DirectorySecurity): string[] {
  const scheme = security === 'LDAPS' ? 'ldaps:' : 'ldap:';
  if (urls.length < 1 || urls.length > 5) throw new InvalidInput('Give one to five directory URLs, tried in order', 'urls');
  return urls.map((raw) => {
    let url: URL;
    try {
      url = new URL(raw.trim());
    } catch {
      throw new InvalidInput(`"${raw}" is not a URL; write it like ${scheme}//dc1.example.com`, 'urls');
    }
    if (url.protocol !== scheme || !url.hostname || url.pathname.replace('/', '') || url.search || url.username) {
      throw new InvalidInput(`"${raw}" must be ${scheme}//host[:port] for security ${security}`, 'urls');
    }
    return `${url.protocol}//${url.host.toLowerCase()}`;
  });
}

function validCertificate(pem: string | null | undefined): string | null {
  if (!pem?.trim()) return null;
  try {
    new X509Certificate(pem.trim());
  } catch {
    throw new InvalidInput('caCertificate must be a PEM certificate (-----BEGIN CERTIFICATE-----)', 'caCertificate');
  }
  return pem.trim();
}

const DOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;

async function validDomains(tx: Tx, domains: string[], mode: SignInMode): Promise<string[]> {
  const unique = [...new Set(domains.map((d) => d.trim().toLowerCase().replace(/^@/, '')))];
  if (mode !== 'INTERNAL' && unique.length === 0) {
    throw new InvalidInput('Name at least one email domain whose users sign in through this directory', 'emailDomains');
  }
  for (const domain of unique) {
    if (!DOMAIN.test(domain)) throw new InvalidInput(`"${domain}" is not an email domain like example.com`, 'emailDomains');
    const [claimed] = await tx.$queryRaw<{ elsewhere: boolean }[]>`SELECT app_domain_claimed_elsewhere(${domain}) AS elsewhere`;
    if (claimed?.elsewhere) throw domainTaken(domain);
  }
  return unique;
}

function domainTaken(domain: string): InvalidInput {
  return new InvalidInput(
    `The domain ${domain} is claimed by another publisher or has accounts in other publishers; ask platform support to verify it`,
    'emailDomains',
  );
}

async function breakGlassUsers(tx: Tx, publisherId: string, emails: string[], mode: SignInMode): Promise<string[]> {
  const wanted = [...new Set(emails.map((e) => e.trim().toLowerCase()).filter(Boolean))];
  if (mode !== 'HYBRID') {
    if (wanted.length) throw new InvalidInput('Break-glass admins are for HYBRID sign-in only', 'breakGlassEmails');
    return [];
  }
  if (wanted.length === 0)
    throw new InvalidInput('HYBRID sign-in needs at least one break-glass admin who signs in with a password', 'breakGlassEmails');
  const members = await tx.membership.findMany({
    where: { publisherId, status: 'ACTIVE', user: { email: { in: wanted }, passwordHash: { not: null } } },
    select: { userId: true, user: { select: { email: true } } },
  });
  const missing = wanted.filter((email) => !members.some((m) => m.user.email === email));
  if (missing.length) {
    throw new InvalidInput(`Not an active member with a password here: ${missing.join(', ')}`, 'breakGlassEmails');
  }
  return members.map((m) => m.userId);
}

async function validMappings(tx: Tx, actor: Actor, mappings: DirectoryInput['groupMappings']) {
  const wanted = mappings.map((m) => ({ groupDn: m.groupDn.trim(), roleKey: m.roleKey.trim() }));
  const bad = wanted.find((m) => !m.groupDn || m.groupDn.length > 1024 || !/^cn=/i.test(m.groupDn));
  if (bad) throw new InvalidInput(`"${bad.groupDn}" is not a group DN like CN=Editors,OU=Groups,DC=example,DC=com`, 'groupMappings');
  const roles = await tx.role.findMany({
    where: { publisherId: actor.publisherId, key: { in: wanted.map((m) => m.roleKey) } },
    select: { id: true, key: true, permissions: { select: { permissionKey: true } } },
  });
  const unknown = wanted.filter((m) => !roles.some((r) => r.key === m.roleKey)).map((m) => m.roleKey);
  if (unknown.length) throw new InvalidInput(`No role "${[...new Set(unknown)].join('", "')}" in this publisher`, 'groupMappings');
  assertMayGrant(
    actor,
    roles.flatMap((r) => r.permissions.map((p) => p.permissionKey)),
  );
  const seen = new Set<string>();
  return wanted
    .filter((m) => !seen.has(`${m.groupDn.toLowerCase()}|${m.roleKey}`) && seen.add(`${m.groupDn.toLowerCase()}|${m.roleKey}`))
    .map((m) => ({ ...m, roleId: roles.find((r) => r.key === m.roleKey)!.id }));
}
