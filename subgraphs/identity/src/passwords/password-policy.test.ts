import { describe, expect, it } from 'vitest';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, requireAcceptablePassword } from './password-policy';

describe('password policy', () => {
  it('takes a long enough password that is not the email', () => {
    expect(() => requireAcceptablePassword('x'.repeat(MIN_PASSWORD_LENGTH), 'a@b.demo')).not.toThrow();
  });

  it('refuses too short, too long and the email itself, on the field given', () => {
    const refusal = (password: string, field?: string) => {
      try {
        requireAcceptablePassword(password, 'Someone@Spirit.demo', field);
      } catch (error) {
        return { code: (error as { code: string }).code, field: (error as { field?: string }).field, message: (error as Error).message };
      }
      return null;
    };
    expect(refusal('x'.repeat(MIN_PASSWORD_LENGTH - 1))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'newPassword',
      message: `The password must be at least ${MIN_PASSWORD_LENGTH} characters long`,
    });
    expect(refusal('x'.repeat(MAX_PASSWORD_LENGTH + 1), 'password')?.field).toBe('password');
    expect(refusal(' someone@spirit.demo ')?.message).toBe('The password must not be your email address');
  });
});
