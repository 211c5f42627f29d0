import { InvalidInput } from '@platform/errors';

export const MIN_PASSWORD_LENGTH = 12;
// argon2 hashes whatever it is given; a cap keeps one request from costing seconds.
export const MAX_PASSWORD_LENGTH = 256;

/** Length is what makes a password strong; the rule is stated in the message. */
export function requireAcceptablePassword(password: string, email: string, field = 'newPassword'): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new InvalidInput(`The password must be at least ${MIN_PASSWORD_LENGTH} characters long`, field);
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new InvalidInput(`The password must be at most ${MAX_PASSWORD_LENGTH} characters long`, field);
  }
  if (password.trim().toLowerCase() === email.toLowerCase()) {
    throw new InvalidInput('The password must not be your email address', field);
  }
}
