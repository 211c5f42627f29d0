import { ipiNameCheckDigits, iswcCheckDigit } from '@platform/catalog/identifiers';

/** A small seeded generator (mulberry32): the same demo catalog on every machine. */
export function seededRandom(seed: string): () => number {
  let state = [...seed].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 2_654_435_761), 1_779_033_703) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

const FIRST = ['Ada', 'Bo', 'Cleo', 'Dev', 'Eli', 'Fay', 'Gus', 'Hana', 'Ivo', 'June', 'Kai', 'Lena', 'Milo', 'Nia', 'Otis', 'Pia'];
const LAST = ['Hart', 'Rivers', 'Stone', 'Vale', 'Marsh', 'Quinn', 'Frost', 'Lake', 'Reyes', 'Okafor', 'Novak', 'Sato'];
const WORDS = [
  'Midnight',
  'Golden',
  'River',
  'Echo',
  'Paper',
  'Neon',
  'Summer',
  'Silver',
  'Hollow',
  'Velvet',
  'Wild',
  'Electric',
  'Blue',
  'Broken',
  'Northern',
  'Lights',
  'Heart',
  'Road',
  'Fire',
  'Rain',
  'Dream',
  'Ocean',
  'City',
  'Sky',
];

export const songwriterName = (random: () => number) => ({ first: pick(random, FIRST), last: pick(random, LAST) });

/** Most demo works are in English; a few are not. */
export const DEMO_LANGUAGES = ['en', 'en', 'en', 'en', 'es', 'pt', 'fr', 'de'] as const;
/** ASCAP, BMI, PRS, SOCAN (CISAC codes). */
export const DEMO_SOCIETIES = ['010', '021', '052', '101'] as const;

/** A valid IPI name number for the n-th demo songwriter. */
export function ipiNameNumber(n: number): string {
  const body = String(n).padStart(9, '0');
  return `${body}${ipiNameCheckDigits(body)}`;
}
export const title = (random: () => number) =>
  `${pick(random, WORDS)} ${pick(random, WORDS)}${random() < 0.3 ? ` ${pick(random, WORDS)}` : ''}`;

/** A valid ISWC (T-ddd.ddd.ddd-C) for the n-th demo work. */
export function iswc(n: number): string {
  const body = String(n).padStart(9, '0');
  const check = iswcCheckDigit(body);
  return `T-${body.slice(0, 3)}.${body.slice(3, 6)}.${body.slice(6, 9)}-${check}`;
}
