import { isUuid } from '@platform/db';
import { InvalidInput } from '@platform/errors';

/**
 * The catalog's identifiers, normalised to one spelling and checked as their issuers define them
 * (CISAC for ISWC and IPI, IFPI for ISRC). Migration 020 checks the same in the database.
 */

/** An id argument must look like one of ours before it reaches the database. */
export function requireId(value: string, field: string, what: string): string {
  if (!isUuid(value)) throw new InvalidInput(`${field} is not a valid ${what} id`, field);
  return value.toLowerCase();
}

/** Nine digits weighted by position plus a start value, to the next multiple of ten (ISWC: 1, IPI base: 2). */
function weightedCheckDigit(nineDigits: string, start: number): number {
  const weighted = [...nineDigits].reduce((sum, d, i) => sum + (i + 1) * Number(d), start);
  return (10 - (weighted % 10)) % 10;
}

/** The check digit of an ISWC's nine digits. */
export function iswcCheckDigit(nineDigits: string): number {
  return weightedCheckDigit(nineDigits, 1);
}

/**
 * Normalises an ISWC to T-123.456.789-C and checks its check digit, so that one work cannot be
 * registered twice under two spellings of its code.
 */
export function normalizeIswc(value: string, field = 'iswc'): string {
  const digits = /^T-?(\d{3})\.?(\d{3})\.?(\d{3})-?(\d)$/i.exec(value.trim());
  if (!digits) throw new InvalidInput(`${field} must be an ISWC like T-034.524.680-1`, field);
  if (iswcCheckDigit(`${digits[1]}${digits[2]}${digits[3]}`) !== Number(digits[4])) {
    throw new InvalidInput(`${field} ${value.trim()} has a wrong check digit`, field);
  }
  return `T-${digits[1]}.${digits[2]}.${digits[3]}-${digits[4]}`;
}

/** The two check digits of an IPI name number's first nine: weights 10 down to 2, modulo 101. */
export function ipiNameCheckDigits(nineDigits: string): string {
  const sum = [...nineDigits].reduce((total, d, i) => total + Number(d) * (10 - i), 0) % 101;
  return String(sum === 0 ? 0 : (101 - sum) % 100).padStart(2, '0');
}

/**
 * IPI name number: 11 digits, the last two a modulo-101 check. Shorter numbers, as societies
 * often print them, are the same number without its leading zeros.
 */
export function normalizeIpiName(value: string, field = 'ipiNameNumber'): string {
  const digits = value.replace(/[\s.-]/g, '');
  if (!/^\d{9,11}$/.test(digits)) throw new InvalidInput(`${field} must be an IPI name number of 11 digits`, field);
  const full = digits.padStart(11, '0');
  if (ipiNameCheckDigits(full.slice(0, 9)) !== full.slice(9)) {
    throw new InvalidInput(`${field} ${value.trim()} has wrong check digits`, field);
  }
  return full;
}

/** The check digit of an IPI base number's nine digits. */
export function ipiBaseCheckDigit(nineDigits: string): number {
  return weightedCheckDigit(nineDigits, 2);
}

/** IPI base number: I-123456789-C, stored with its hyphens. */
export function normalizeIpiBase(value: string, field = 'ipiBaseNumber'): string {
  const parts = /^I-?(\d{9})-?(\d)$/i.exec(value.trim());
  if (!parts) throw new InvalidInput(`${field} must be an IPI base number like I-000000229-7`, field);
  if (ipiBaseCheckDigit(parts[1]!) !== Number(parts[2])) {
    throw new InvalidInput(`${field} ${value.trim()} has a wrong check digit`, field);
  }
  return `I-${parts[1]}-${parts[2]}`;
}

/** ISRC: country (2 letters), registrant (3 letters or digits), year (2 digits), designation (5 digits). */
export function normalizeIsrc(value: string, field = 'isrc'): string {
  const compact = value.replace(/[\s-]/g, '').toUpperCase();
  const parts = /^([A-Z0-9]{2})([A-Z0-9]{3})([A-Z0-9]{2})([A-Z0-9]{5})$/.exec(compact);
  if (!parts) throw new InvalidInput(`${field} must be an ISRC like US-RC1-76-07839 (12 characters, hyphens optional)`, field);
  if (!/^[A-Z]{2}$/.test(parts[1]!)) throw new InvalidInput(`${field} must start with a two-letter country code`, field);
  if (!/^\d{2}$/.test(parts[3]!)) throw new InvalidInput(`${field} must have the year as two digits (characters 6 and 7)`, field);
  if (!/^\d{5}$/.test(parts[4]!)) throw new InvalidInput(`${field} must end with a designation code of five digits`, field);
  return compact;
}

const LANGUAGE_NAMES = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

/** An ISO 639-1 language code (two letters), stored lower case. */
export function normalizeLanguage(value: string, field = 'language'): string {
  const code = value.trim().toLowerCase();
  if (!/^[a-z]{2}$/.test(code) || !LANGUAGE_NAMES.of(code) || LANGUAGE_NAMES.of(code) === code) {
    throw new InvalidInput(`${field} must be an ISO 639-1 language code such as en, es or pt`, field);
  }
  return code;
}

/** Trimmed, non-empty, at most `max` characters. */
export function requiredText(value: string | null | undefined, field: string, max = 500): string {
  const text = (value ?? '').trim();
  if (!text) throw new InvalidInput(`${field} must not be empty`, field);
  if (text.length > max) throw new InvalidInput(`${field} must be at most ${max} characters`, field);
  return text;
}

/** Trimmed text, or null when absent or blank; at most `max` characters. */
export function optionalText(value: string | null | undefined, field: string, max = 500): string | null {
  return value == null || value.trim() === '' ? null : requiredText(value, field, max);
}
