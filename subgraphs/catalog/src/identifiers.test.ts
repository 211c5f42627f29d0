import { describe, expect, it } from 'vitest';
import { InvalidInput } from '@platform/errors';
import {
  ipiBaseCheckDigit,
  ipiNameCheckDigits,
  iswcCheckDigit,
  normalizeIpiBase,
  normalizeIpiName,
  normalizeIsrc,
  normalizeIswc,
  normalizeLanguage,
  requiredText,
  requireId,
} from './identifiers';

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

  it('checks IPI name numbers modulo 101 and stores them as 11 digits', () => {
    // 00014107338 is the IPI name number CISAC's documentation uses; 00000000000 checks to 00.
    expect(ipiNameCheckDigits('000141073')).toBe('38');
    expect(ipiNameCheckDigits('000000000')).toBe('00');
    expect(normalizeIpiName('00014107338')).toBe('00014107338');
    expect(normalizeIpiName('0 141 073 38')).toBe('00014107338');
    expect(() => normalizeIpiName('00014107339')).toThrow(expect.objectContaining({ field: 'ipiNameNumber' }));
    expect(() => normalizeIpiName('12345', 'filter.ipiNameNumber')).toThrow(expect.objectContaining({ field: 'filter.ipiNameNumber' }));
  });

  it('checks IPI base numbers and keeps their hyphens', () => {
    // I-000000229-7 is the IPI base number of CISAC's documentation.
    expect(ipiBaseCheckDigit('000000229')).toBe(7);
    expect(normalizeIpiBase('i0000002297')).toBe('I-000000229-7');
    expect(() => normalizeIpiBase('I-000000229-8')).toThrow('has a wrong check digit');
    expect(() => normalizeIpiBase('229')).toThrow(expect.objectContaining({ field: 'ipiBaseNumber' }));
  });

  it('stores ISRCs compact and upper case, saying which part is wrong', () => {
    expect(normalizeIsrc('us-rc1-76-07839')).toBe('USRC17607839');
    expect(() => normalizeIsrc('US-RC1-76-0783')).toThrow(expect.objectContaining({ field: 'isrc' }));
    expect(() => normalizeIsrc('12RC17607839')).toThrow('two-letter country code');
    expect(() => normalizeIsrc('USRC1AB07839')).toThrow('year as two digits');
    expect(() => normalizeIsrc('USRC176078X9')).toThrow('designation code of five digits');
  });

  it('takes ISO 639-1 language codes only', () => {
    expect(normalizeLanguage(' EN ')).toBe('en');
    expect(() => normalizeLanguage('xx')).toThrow(expect.objectContaining({ field: 'language' }));
    expect(() => normalizeLanguage('eng')).toThrow('ISO 639-1');
  });

  it('checks ids and text before they reach the database', () => {
    expect(requireId('6F9619FF-8B86-D011-B42D-00C04FC964FF', 'id', 'work')).toBe('6f9619ff-8b86-d011-b42d-00c04fc964ff');
    expect(() => requireId('42', 'id', 'work')).toThrow('id is not a valid work id');
    expect(requiredText('  Blue Road ', 'title')).toBe('Blue Road');
    expect(() => requiredText('   ', 'title')).toThrow('title must not be empty');
    expect(() => requiredText('x'.repeat(11), 'title', 10)).toThrow('title must be at most 10 characters');
  });
});
