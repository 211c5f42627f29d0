import { Attribute, Change, type Client } from 'ldapts';

/** userAccountControl: a normal account, and the bit that disables it. */
const NORMAL_ACCOUNT = 0x200;
const ACCOUNT_DISABLE = 0x2;

export interface DirectoryUserSpec {
  /** sAMAccountName; the UPN is `<sam>@<domain>`. */
  sam: string;
  givenName: string;
  surname: string;
  /** Omitted: an account without a password (enough for sync, not for sign-in). */
  password?: string;
  /** The container, e.g. `OU=Staff,DC=dmp,DC=example`. */
  parentDn: string;
  /** Domain of the UPN and of `mail`. */
  domain: string;
  disabled?: boolean;
  /** pwdLastSet = 0: the user must change the password at next sign-in (AD sub-code 773). */
  mustChangePassword?: boolean;
  /** accountExpires in the past (AD sub-code 701). */
  expired?: boolean;
}

/** Adds what is missing of an OU path (`OU=Staff,OU=Music,DC=…`), top down. */
export async function ensureOrganizationalUnit(client: Client, dn: string): Promise<void> {
  const parts = dn.split(',');
  const firstOu = parts.findIndex((part) => !part.startsWith('OU='));
  for (let i = firstOu - 1; i >= 0; i--) {
    const ou = parts.slice(i).join(',');
    if (await exists(client, ou)) continue;
    await client.add(ou, { objectClass: ['top', 'organizationalUnit'], ou: parts[i]!.slice(3) });
  }
}

/** Creates a user as AD does over LDAP (the password needs LDAPS or StartTLS); answers its DN. */
export async function addDirectoryUser(client: Client, user: DirectoryUserSpec): Promise<string> {
  const displayName = `${user.givenName} ${user.surname}`;
  const dn = `CN=${displayName},${user.parentDn}`;
  const attributes: Attribute[] = [
    new Attribute({ type: 'objectClass', values: ['top', 'person', 'organizationalPerson', 'user'] }),
    new Attribute({ type: 'sAMAccountName', values: [user.sam] }),
    new Attribute({ type: 'userPrincipalName', values: [`${user.sam}@${user.domain}`] }),
    new Attribute({ type: 'mail', values: [`${user.sam}@${user.domain}`] }),
    new Attribute({ type: 'givenName', values: [user.givenName] }),
    new Attribute({ type: 'sn', values: [user.surname] }),
    new Attribute({ type: 'displayName', values: [displayName] }),
  ];
  if (user.password) attributes.push(new Attribute({ type: 'unicodePwd', values: [encodePassword(user.password)] }));
  const control = NORMAL_ACCOUNT | (user.disabled || !user.password ? ACCOUNT_DISABLE : 0);
  attributes.push(new Attribute({ type: 'userAccountControl', values: [String(control)] }));
  if (user.expired)
    attributes.push(new Attribute({ type: 'accountExpires', values: [String(fileTime(new Date(Date.now() - 86_400_000)))] }));
  await client.add(dn, attributes);
  if (user.mustChangePassword) await replace(client, dn, 'pwdLastSet', '0');
  return dn;
}

export async function addDirectoryGroup(client: Client, dn: string, members: string[] = []): Promise<string> {
  const name = dn.split(',')[0]!.slice(3);
  const attributes = [
    new Attribute({ type: 'objectClass', values: ['top', 'group'] }),
    new Attribute({ type: 'sAMAccountName', values: [name] }),
  ];
  if (members.length) attributes.push(new Attribute({ type: 'member', values: members }));
  await client.add(dn, attributes);
  return dn;
}

export async function addGroupMember(client: Client, groupDn: string, memberDn: string): Promise<void> {
  await client.modify(groupDn, new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [memberDn] }) }));
}

export async function removeGroupMember(client: Client, groupDn: string, memberDn: string): Promise<void> {
  await client.modify(groupDn, new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [memberDn] }) }));
}

export async function setUserDisabled(client: Client, dn: string, disabled: boolean): Promise<void> {
  await replace(client, dn, 'userAccountControl', String(NORMAL_ACCOUNT | (disabled ? ACCOUNT_DISABLE : 0)));
}

export async function replace(client: Client, dn: string, type: string, value: string): Promise<void> {
  await client.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type, values: [value] }) }));
}

/** Sets domain-wide password-policy attributes (lockoutThreshold, lockOutObservationWindow, …). */
export async function setDomainPolicy(client: Client, baseDn: string, values: Record<string, string>): Promise<void> {
  for (const [type, value] of Object.entries(values)) await replace(client, baseDn, type, value);
}

/** Binds as `dn` with a wrong password `times` times: AD locks the account at its threshold. */
export async function failBinds(url: string, tlsCa: string, dn: string, times: number): Promise<void> {
  const { Client: LdapClient } = await import('ldapts');
  for (let i = 0; i < times; i++) {
    const client = new LdapClient({ url, ...(url.startsWith('ldaps:') ? { tlsOptions: { ca: tlsCa } } : {}) });
    await client.bind(dn, 'not-the-password').catch(() => {});
    await client.unbind().catch(() => {});
  }
}

export async function exists(client: Client, dn: string): Promise<boolean> {
  try {
    await client.search(dn, { scope: 'base', attributes: ['1.1'] });
    return true;
  } catch {
    return false;
  }
}

/** AD wants the new password quoted and in UTF-16LE. */
function encodePassword(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}

/** Windows FILETIME: 100 ns intervals since 1601-01-01. */
export function fileTime(date: Date): bigint {
  return (BigInt(date.getTime()) + 11_644_473_600_000n) * 10_000n;
}
