import { InvalidInput } from '@platform/errors';
import { requireId } from '../identifiers';

export interface WriterShare {
  songwriterId: string;
  share: number;
}

/**
 * The writers of a work as given: each songwriter once, each share a percentage above 0 and at
 * most 100 with at most two decimals, together at most 100 %. Refusals name the field at fault.
 */
export function validWriters(writers: WriterShare[]): WriterShare[] {
  const seen = new Set<string>();
  let total = 0;
  const valid = writers.map((w, i) => {
    const songwriterId = requireId(w.songwriterId, `writers[${i}].songwriterId`, 'songwriter');
    if (seen.has(songwriterId)) throw new InvalidInput('a songwriter can appear only once among the writers', `writers[${i}].songwriterId`);
    seen.add(songwriterId);
    const hundredths = w.share * 100;
    if (!(w.share > 0 && w.share <= 100) || Math.abs(hundredths - Math.round(hundredths)) > 1e-6) {
      throw new InvalidInput('share must be a percentage above 0 and at most 100, with at most two decimals', `writers[${i}].share`);
    }
    total += Math.round(w.share * 100);
    return { songwriterId, share: w.share };
  });
  if (total > 100_00) throw new InvalidInput(`writer shares add up to ${total / 100}%, more than 100%`, 'writers');
  return valid;
}
