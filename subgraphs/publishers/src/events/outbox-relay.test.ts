import { describe, expect, it } from 'vitest';
import { backoff, sqsSafeJson } from './outbox-relay';

describe('what the relay sends', () => {
  it('writes any text as JSON SQS takes, which reads back as the same text', () => {
    const text = 'tab\there, nul \u0000, bell \u0007, U+FFFE \uFFFE, a note 🎵, é';
    const body = sqsSafeJson({ title: text });
    // Only #x9 | #xA | #xD | #x20–#xD7FF | #xE000–#xFFFD, as code units.
    expect(body).toMatch(/^[\t\n\r\x20-\uD7FF\uE000-\uFFFD]*$/);
    expect(JSON.parse(body)).toEqual({ title: text });
  });

  it('backs off doubling from 100 ms up to its cap, with jitter in the upper half', () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const ceiling = Math.min(5_000, 100 * 2 ** (attempt - 1));
      for (let i = 0; i < 50; i++) {
        const wait = backoff(attempt, 5_000);
        expect(wait).toBeGreaterThanOrEqual(ceiling / 2);
        expect(wait).toBeLessThanOrEqual(ceiling);
      }
    }
  });
});
