import { InvalidInput } from '@platform/errors';
import { requireId } from '../identifiers';

export const WRITER_ROLES = ['C', 'A', 'CA', 'AR', 'AD', 'TR', 'SA', 'SR'] as const;
export type WriterRole = (typeof WRITER_ROLES)[number];

export interface WriterLineInput {
  songwriterId: string;
  /** Percent as written: "33.33", "50" or 50. */
  share: string | number;
  role?: string | null;
  controlled?: boolean | null;
}

/** A writer line as stored: the share as an exact two-place decimal string. */
export interface WriterLine {
  songwriterId: string;
  share: string;
  role: WriterRole;
  controlled: boolean;
}

/** Hundredths of a percent, exactly: "33.33" → 3333. Null when not a percentage with at most two places. */
export function shareHundredths(value: string | number): number | null {
  const text = typeof value === 'number' ? String(value) : value.trim();
  const parts = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(text);
  if (!parts) return null;
  return Number(parts[1]) * 100 + Number((parts[2] ?? '').padEnd(2, '0'));
}

export const formatHundredths = (hundredths: number) => `${Math.floor(hundredths / 100)}.${String(hundredths % 100).padStart(2, '0')}`;

/** A share as written, checked: above 0, at most 100, at most two decimals; in hundredths. */
export function validShare(value: string | number, field: string): number {
  const hundredths = shareHundredths(value);
  if (hundredths === null || hundredths <= 0 || hundredths > 100_00) {
    throw new InvalidInput('share must be a percentage above 0 and at most 100, with at most two decimals', field);
  }
  return hundredths;
}

export function validRole(value: string | null | undefined, field: string): WriterRole {
  const role = (value ?? 'CA').toUpperCase();
  if (!(WRITER_ROLES as readonly string[]).includes(role)) throw new InvalidInput(`role must be one of ${WRITER_ROLES.join(', ')}`, field);
  return role as WriterRole;
}

/** A work's shares, in hundredths: none at all, or exactly 100.00 together. */
export function checkSharesTotal(hundredths: number[], field: string): void {
  const total = hundredths.reduce((sum, h) => sum + h, 0);
  if (hundredths.length > 0 && total !== 100_00) {
    throw new InvalidInput(`the writers' shares add up to ${formatHundredths(total)}%; they must add up to exactly 100.00%`, field);
  }
}

/**
 * The writers of a work as given: each songwriter once, a CWR role code, each share above 0 and
 * at most 100 with at most two decimals, and together exactly 100.00 (the database checks the
 * total again when the transaction commits). Refusals name the field at fault.
 */
export function validWriters(writers: WriterLineInput[], field = 'writers'): WriterLine[] {
  const seen = new Set<string>();
  const shares: number[] = [];
  const valid = writers.map((w, i): WriterLine => {
    const at = `${field}[${i}]`;
    const songwriterId = requireId(w.songwriterId, `${at}.songwriterId`, 'songwriter');
    if (seen.has(songwriterId)) throw new InvalidInput('a songwriter can appear only once among the writers', `${at}.songwriterId`);
    seen.add(songwriterId);
    const hundredths = validShare(w.share, `${at}.share`);
    shares.push(hundredths);
    return { songwriterId, share: formatHundredths(hundredths), role: validRole(w.role, `${at}.role`), controlled: w.controlled ?? true };
  });
  checkSharesTotal(shares, field);
  return valid;
}
