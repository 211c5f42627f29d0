import { describe, expect, it } from 'vitest';
import { InvalidInput } from '@platform/errors';
import { iswcCheckDigit, normalizeIpi, normalizeIsrc, normalizeIswc, requiredText, requireId } from './identifiers';

/** Pure rules: no database, no request, nothing but the function. */
describe('catalog identifiers', () => {
  it('computes the ISWC check digit of published codes', () => {
    // T-034.524.680-1 is CISAC's own example.
    expect(iswcCheckDigit('034524680')).toBe(1);
    expect(iswcCheckDigit('000000001')).toBe(0); // the first ISWC ever issued, T-000.000.001-0
  });

  it('normalises any spelling of an ISWC and refuses a wrong check digit, naming the field', () => {
    expect(normalizeIswc(' t0345246801 ')).toBe('T-034.524.680-1');
    expect(normalizeIswc('T-034.524.680-1')).toBe('T-034.524.680-1');
    expect(() => normalizeIswc('T-034.524.680-2', 'filter.iswc')).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'filter.iswc' }),
    );
    expect(() => normalizeIswc('not an iswc')).toThrow(InvalidInput);
  });

  it('stores IPI name numbers as 11 digits and ISRCs compact and upper case', () => {
    expect(normalizeIpi('123.456.789')).toBe('00123456789');
    expect(() => normalizeIpi('12345')).toThrow(expect.objectContaining({ field: 'ipi' }));
    expect(normalizeIsrc('us-rc1-76-07839')).toBe('USRC17607839');
    expect(() => normalizeIsrc('US-RC1-76-0783')).toThrow(expect.objectContaining({ field: 'isrc' }));
  });

  it('checks ids and text before they reach the database', () => {
    expect(requireId('6F9619FF-8B86-D011-B42D-00C04FC964FF', 'id', 'work')).toBe('6f9619ff-8b86-d011-b42d-00c04fc964ff');
    expect(() => requireId('42', 'id', 'work')).toThrow('id is not a valid work id');
    expect(requiredText('  Blue Road ', 'title')).toBe('Blue Road');
    expect(() => requiredText('   ', 'title')).toThrow('title must not be empty');
    expect(() => requiredText('x'.repeat(11), 'title', 10)).toThrow('title must be at most 10 characters');
  });
});
