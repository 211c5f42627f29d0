import { describe, expect, it } from 'vitest';
import { checkedConnection, DEFAULT_USER_FILTER, type DirectoryInput } from './directory-settings';

const input = (overrides: Partial<DirectoryInput> = {}): DirectoryInput => ({
  urls: ['ldaps://dc1.example.com'],
  security: 'LDAPS',
  bindDn: 'CN=svc,DC=example,DC=com',
  userBaseDn: 'OU=Staff,DC=example,DC=com',
  loginAttribute: 'USER_PRINCIPAL_NAME',
  emailDomains: ['example.com'],
  signInMode: 'DIRECTORY',
  groupMappings: [],
  ...overrides,
});
const fieldOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return (error as { field?: string }).field;
  }
  return null;
};

describe('a directory connection as configured', () => {
  it('refuses security NONE in production only', () => {
    const plain = input({ urls: ['ldap://dc1.example.com'], security: 'NONE' });
    expect(fieldOf(() => checkedConnection('p', plain, 'pw', { production: true }))).toBe('security');
    expect(checkedConnection('p', plain, 'pw', { production: false }).security).toBe('NONE');
  });

  it('wants the scheme that goes with the security, and normalises the URLs', () => {
    expect(fieldOf(() => checkedConnection('p', input({ urls: ['ldap://dc1.example.com'] }), 'pw', { production: false }))).toBe('urls');
    expect(fieldOf(() => checkedConnection('p', input({ urls: ['ldaps://dc1.example.com/path'] }), 'pw', { production: false }))).toBe(
      'urls',
    );
    expect(fieldOf(() => checkedConnection('p', input({ urls: [] }), 'pw', { production: false }))).toBe('urls');
    expect(checkedConnection('p', input({ urls: ['LDAPS://DC1.example.com:3269'] }), 'pw', { production: false }).urls).toEqual([
      'ldaps://dc1.example.com:3269',
    ]);
  });

  it('checks the user filter, and defaults it', () => {
    expect(fieldOf(() => checkedConnection('p', input({ userFilter: 'objectClass=user' }), 'pw', { production: false }))).toBe(
      'userFilter',
    );
    expect(fieldOf(() => checkedConnection('p', input({ userFilter: '(&(objectClass=user)' }), 'pw', { production: false }))).toBe(
      'userFilter',
    );
    expect(checkedConnection('p', input(), 'pw', { production: false }).userFilter).toBe(DEFAULT_USER_FILTER);
  });
});
