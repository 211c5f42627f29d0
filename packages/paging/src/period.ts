import { InvalidInput } from '@platform/errors';

export interface Period {
  from: Date;
  to: Date;
}

/**
 * The time a report covers: `from` (inclusive) to `to` (exclusive), by default the `defaultDays`
 * up to now, never longer than `maxDays` (a report reads an index range, not a whole table).
 */
export function reportingPeriod(
  from: Date | null | undefined,
  to: Date | null | undefined,
  limits: { defaultDays: number; maxDays: number },
): Period {
  const end = to ?? new Date();
  const start = from ?? new Date(end.getTime() - limits.defaultDays * 86_400_000);
  if (start >= end) throw new InvalidInput('from must be before to', 'from');
  if (end.getTime() - start.getTime() > limits.maxDays * 86_400_000) {
    throw new InvalidInput(`A report covers at most ${limits.maxDays} days; choose a shorter period`, 'from');
  }
  return { from: start, to: end };
}
