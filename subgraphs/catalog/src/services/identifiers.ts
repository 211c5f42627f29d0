import { isUuid } from '@platform/db';
import { badUserInput } from '@platform/server';

/** An id argument must look like one of ours before it reaches the database. */
export function requireId(value: string, field: string, what: string): string {
  if (!isUuid(value)) throw badUserInput(`${field} is not a valid ${what} id`, field);
  return value.toLowerCase();
}

/**
 * Normalises an ISWC to T-123.456.789-C and checks its check digit, so that one work cannot be
 * registered twice under two spellings of its code.
 */
export function normalizeIswc(value: string, field = 'iswc'): string {
  const digits = /^T-?(\d{3})\.?(\d{3})\.?(\d{3})-?(\d)$/i.exec(value.trim());
  if (!digits) throw badUserInput('iswc must look like T-034.524.680-1', field);
  const body = `${digits[1]}${digits[2]}${digits[3]}`;
  const weighted = [...body].reduce((sum, d, i) => sum + (i + 1) * Number(d), 1);
  if ((10 - (weighted % 10)) % 10 !== Number(digits[4])) {
    throw badUserInput(`iswc ${value} has a wrong check digit`, field);
  }
  return `T-${digits[1]}.${digits[2]}.${digits[3]}-${digits[4]}`;
}
