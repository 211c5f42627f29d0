import { InvalidInput } from '@platform/errors';

/**
 * Performing rights societies by CISAC society code: the societies writers most often belong to.
 * A society missing here is added here (the database only checks the code's form).
 */
export const SOCIETIES: Readonly<Record<string, string>> = {
  '008': 'APRA',
  '010': 'ASCAP',
  '021': 'BMI',
  '023': 'BUMA',
  '026': 'CASH',
  '035': 'GEMA',
  '038': 'JASRAC',
  '040': 'KODA',
  '052': 'PRS',
  '055': 'SABAM',
  '058': 'SACEM',
  '059': 'SACM',
  '061': 'SADAIC',
  '063': 'SAMRO',
  '069': 'SPA',
  '071': 'SESAC',
  '072': 'SGAE',
  '074': 'SIAE',
  '079': 'STIM',
  '080': 'SUISA',
  '089': 'TEOSTO',
  '090': 'TONO',
  '097': 'ZAIKS',
  '101': 'SOCAN',
  '118': 'KOMCA',
  '128': 'IMRO',
  '201': 'ABRAMUS',
  '308': 'ECAD',
};

const CODE_OF_NAME = new Map(Object.entries(SOCIETIES).map(([code, name]) => [name, code]));

/** A society given by its code (21, 021) or its name (bmi), as its three-digit CISAC code. */
export function societyCode(value: string, field = 'society'): string {
  const text = value.trim().toUpperCase();
  const code = /^\d{1,3}$/.test(text) ? text.padStart(3, '0') : CODE_OF_NAME.get(text);
  if (!code || !SOCIETIES[code]) {
    throw new InvalidInput(`${field} must be a performing rights society's CISAC code or name, such as 021 or BMI`, field);
  }
  return code;
}
