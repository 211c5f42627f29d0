import { parseValue } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DateTimeScalar, JSONScalar } from './scalars';

describe('DateTime', () => {
  it('reads timestamps only with a time zone, from variables and from the query alike', () => {
    expect(DateTimeScalar.parseValue('2026-11-29T10:00:00+01:00')).toEqual(new Date('2026-11-29T09:00:00Z'));
    expect(DateTimeScalar.parseLiteral(parseValue('"2026-11-29T09:00:00Z"'))).toEqual(new Date('2026-11-29T09:00:00Z'));
    for (const local of ['2026-11-29T09:00:00', 'yesterday', 20261129]) {
      expect(() => DateTimeScalar.parseValue(local)).toThrow('DateTime must be an ISO-8601 timestamp with a time zone');
    }
    expect(() => DateTimeScalar.parseLiteral(parseValue('20261129'))).toThrow('DateTime must be a string');
  });

  it('writes UTC ISO-8601 and refuses to write an invalid date', () => {
    expect(DateTimeScalar.serialize(new Date('2026-11-29T10:00:00+01:00'))).toBe('2026-11-29T09:00:00.000Z');
    expect(() => DateTimeScalar.serialize(new Date(NaN))).toThrow('DateTime cannot represent an invalid date');
  });
});

describe('JSON', () => {
  it('reads any literal as the JSON value it spells', () => {
    expect(JSONScalar.parseLiteral(parseValue('{ a: [1, 2.5, "x", true, null], b: { c: "d" } }'))).toEqual({
      a: [1, 2.5, 'x', true, null],
      b: { c: 'd' },
    });
  });

  it('refuses a variable inside a literal, which would silently read as nothing', () => {
    expect(() => JSONScalar.parseLiteral(parseValue('{ a: $v }'))).toThrow('JSON literals cannot contain variables');
  });
});
