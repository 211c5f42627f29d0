import { describe, expect, it } from 'vitest';
import { adSubCode, refusalOf } from './ad-errors';
import { guidToUuid } from './directory-client';

describe("AD's bind refusals", () => {
  const message = (code: string) => `80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data ${code}, v1db1`;

  it('reads the sub-code out of the diagnostic message', () => {
    expect(adSubCode(message('52e'))).toBe('52e');
    expect(adSubCode(message('775'))).toBe('775');
    expect(adSubCode('Invalid credentials')).toBeNull();
  });

  it('maps each sub-code to its reason; anything unknown reads as wrong credentials', () => {
    expect(refusalOf(message('52e'))).toBe('WRONG_CREDENTIALS');
    expect(refusalOf(message('525'))).toBe('WRONG_CREDENTIALS');
    expect(refusalOf(message('533'))).toBe('ACCOUNT_DISABLED');
    expect(refusalOf(message('775'))).toBe('ACCOUNT_LOCKED');
    // Samba 4.17 never answered 532 in the specs (a password can only be made old by waiting for
    // maxPwdAge, at least a day): the mapping is checked here.
    expect(refusalOf(message('532'))).toBe('PASSWORD_EXPIRED');
    expect(refusalOf(message('773'))).toBe('PASSWORD_MUST_CHANGE');
    expect(refusalOf(message('701'))).toBe('ACCOUNT_EXPIRED');
    expect(refusalOf(message('530'))).toBe('LOGON_NOT_PERMITTED');
    expect(refusalOf(message('999'))).toBe('WRONG_CREDENTIALS');
    expect(refusalOf('no sub-code at all')).toBe('WRONG_CREDENTIALS');
  });
});

describe('objectGUID', () => {
  it('reads as AD tools show it: the first three fields little-endian', () => {
    const bytes = Buffer.from('d6d17e49d2d9da46bf8b905fac142b00', 'hex');
    expect(guidToUuid(bytes)).toBe('497ed1d6-d9d2-46da-bf8b-905fac142b00');
  });
});
