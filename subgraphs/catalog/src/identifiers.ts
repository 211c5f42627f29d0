import { isUuid } from '@platform/db';
import { InvalidInput } from '@platform/errors';

/** An id argument must look like one of ours before it reaches the database. */
export function requireId(value: string, field: string, what: string): string {
  if (!isUuid(value)) throw new InvalidInput(`${field} is not a valid ${what} id`, field);
  return value.toLowerCase();
}

/**
 * Normalises an ISWC to T-123.456.789-C and checks its check digit, so that one work cannot be
 * registered twice under two spellings of its code.
 */
export function normalizeIswc(value: string, field = 'iswc'): string {
  const digits = /^T-?(\d{3})\.?(\d{3})\.?(\d{3})-?(\d)$/i.exec(value.trim());
  if (!digits) throw new InvalidInput('iswc must look like T-034.524.680-1', field);
  if (iswcCheckDigit(`${digits[1]}${digits[2]}${digits[3]}`) !== Number(digits[4])) {
    throw new InvalidInput(`iswc ${value} has a wrong check digit`, field);
  }
  return `T-${digits[1]}.${digits[2]}.${digits[3]}-${digits[4]}`;
}

/** The check digit of an ISWC's nine digits (CISAC: 1 plus each digit weighted by its position, mod 10, from 10). */
export function iswcCheckDigit(nineDigits: string): number {
  const weighted = [...nineDigits].reduce((sum, d, i) => sum + (i + 1) * Number(d), 1);
  return (10 - (weighted % 10)) % 10;
}

/** IPI name numbers have 9 to 11 digits; stored without separators. */
export function normalizeIpi(value: string, field = 'ipi'): string {
  const digits = value.replace(/[\s.-]/g, '');
  if (!/^\d{9,11}$/.test(digits)) throw new InvalidInput('ipi must be an IPI name number of 9 to 11 digits', field);
  return digits.padStart(11, '0');
}

/** ISRC: country (2 letters), registrant (3 letters or digits), year (2 digits), designation (5 digits). */
export function normalizeIsrc(value: string, field = 'isrc'): string {
  const compact = value.replace(/-/g, '').trim().toUpperCase();
  if (!/^[A-Z]{2}[A-Z0-9]{3}\d{7}$/.test(compact))
    throw new InvalidInput('isrc must look like US-RC1-76-07839 (12 characters, hyphens optional)', field);
  return compact;
}

/** Trimmed, non-empty, at most `max` characters. */
export function requiredText(value: string | null | undefined, field: string, max = 500): string {
  const text = (value ?? '').trim();
  if (!text) throw new InvalidInput(`${field} must not be empty`, field);
  if (text.length > max) throw new InvalidInput(`${field} must be at most ${max} characters`, field);
  return text;
}
