import { describe, expect, it } from 'vitest';
import { validWriters } from './shares';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';

const refusal = (writers: { songwriterId: string; share: number }[]) => {
  try {
    validWriters(writers);
    return null;
  } catch (error) {
    return { field: (error as { field?: string }).field, message: (error as Error).message };
  }
};

describe('writer shares', () => {
  it('takes shares of at most two decimals that add up to at most 100 %', () => {
    expect(
      validWriters([
        { songwriterId: A.toUpperCase(), share: 33.33 },
        { songwriterId: B, share: 66.67 },
      ]),
    ).toEqual([
      { songwriterId: A, share: 33.33 },
      { songwriterId: B, share: 66.67 },
    ]);
    expect(validWriters([{ songwriterId: A, share: 50 }])).toHaveLength(1);
  });

  it('refuses a writer twice, a share out of range or too precise, and a total above 100 %, naming the field', () => {
    expect(
      refusal([
        { songwriterId: A, share: 10 },
        { songwriterId: A, share: 10 },
      ])?.field,
    ).toBe('writers[1].songwriterId');
    expect(refusal([{ songwriterId: A, share: 0 }])?.field).toBe('writers[0].share');
    expect(refusal([{ songwriterId: A, share: 100.01 }])?.field).toBe('writers[0].share');
    expect(refusal([{ songwriterId: A, share: 12.345 }])?.field).toBe('writers[0].share');
    expect(
      refusal([
        { songwriterId: A, share: 60 },
        { songwriterId: B, share: 40.01 },
      ]),
    ).toEqual({
      field: 'writers',
      message: 'writer shares add up to 100.01%, more than 100%',
    });
    expect(refusal([{ songwriterId: 'not-an-id', share: 10 }])?.field).toBe('writers[0].songwriterId');
  });
});
