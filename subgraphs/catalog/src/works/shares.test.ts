import { describe, expect, it } from 'vitest';
import { shareHundredths, validWriters, type WriterLineInput } from './shares';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
const C = '33333333-3333-4333-8333-333333333333';

const refusal = (writers: WriterLineInput[]) => {
  try {
    validWriters(writers);
    return null;
  } catch (error) {
    return { field: (error as { field?: string }).field, message: (error as Error).message };
  }
};

describe('writer shares', () => {
  it('reads a share exactly, as a string or a number, never through a float sum', () => {
    expect(shareHundredths('33.33')).toBe(3333);
    expect(shareHundredths(33.3)).toBe(3330);
    expect(shareHundredths('100')).toBe(10000);
    expect(shareHundredths('12.345')).toBeNull();
    expect(shareHundredths('1e2')).toBeNull();
    // 0.1 + 0.2 is not 0.3 in floating point; in hundredths three thirds of 33.33/33.33/33.34 are 100.
    expect(
      validWriters([
        { songwriterId: A, share: '33.33' },
        { songwriterId: B, share: 33.33 },
        { songwriterId: C, share: '33.34', role: 'A', controlled: false },
      ]),
    ).toEqual([
      { songwriterId: A, share: '33.33', role: 'CA', controlled: true },
      { songwriterId: B, share: '33.33', role: 'CA', controlled: true },
      { songwriterId: C, share: '33.34', role: 'A', controlled: false },
    ]);
  });

  it('takes shares that add up to exactly 100.00 and no writers at all', () => {
    expect(validWriters([{ songwriterId: A.toUpperCase(), share: 100 }])).toEqual([
      { songwriterId: A, share: '100.00', role: 'CA', controlled: true },
    ]);
    expect(validWriters([])).toEqual([]);
  });

  it('refuses a total other than 100.00, naming the writers field', () => {
    expect(
      refusal([
        { songwriterId: A, share: 60 },
        { songwriterId: B, share: '40.01' },
      ]),
    ).toEqual({ field: 'writers', message: "the writers' shares add up to 100.01%; they must add up to exactly 100.00%" });
    expect(refusal([{ songwriterId: A, share: '99.99' }])?.message).toContain('add up to 99.99%');
  });

  it('refuses a writer twice, a share out of range or too precise, an unknown role, naming the field', () => {
    expect(
      refusal([
        { songwriterId: A, share: 50 },
        { songwriterId: A, share: 50 },
      ])?.field,
    ).toBe('writers[1].songwriterId');
    expect(refusal([{ songwriterId: A, share: 0 }])?.field).toBe('writers[0].share');
    expect(refusal([{ songwriterId: A, share: '100.01' }])?.field).toBe('writers[0].share');
    expect(refusal([{ songwriterId: A, share: 12.345 }])?.field).toBe('writers[0].share');
    expect(refusal([{ songwriterId: A, share: 100, role: 'XX' }])).toEqual({
      field: 'writers[0].role',
      message: 'role must be one of C, A, CA, AR, AD, TR, SA, SR',
    });
    expect(refusal([{ songwriterId: 'not-an-id', share: 100 }])?.field).toBe('writers[0].songwriterId');
  });
});
