import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

const badInput = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

/**
 * Exact decimals (writers' shares) as strings. Input is taken as written, a string or a number,
 * and checked by the rule that knows the field (shares.ts), so a refusal names `writers[1].share`.
 */
export const DecimalScalar = new GraphQLScalarType<string, string>({
  name: 'Decimal',
  description: 'An exact decimal written as a string with two decimal places, e.g. "33.33".',
  serialize(value) {
    // Prisma's Decimal and our own strings: always two places.
    const text = String(value);
    if (!/^-?\d+(\.\d+)?$/.test(text)) throw new GraphQLError('Decimal cannot represent a non-number');
    return toTwoPlaces(text);
  },
  parseValue(value) {
    if (typeof value === 'string') return value.trim();
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    throw badInput('Decimal must be a string such as "33.33" or a number');
  },
  parseLiteral(ast) {
    if (ast.kind === Kind.STRING || ast.kind === Kind.INT || ast.kind === Kind.FLOAT) return ast.value.trim();
    throw badInput('Decimal must be a string such as "33.33" or a number');
  },
});

/** "5" → "5.00", "33.3" → "33.30", without passing through a float. */
function toTwoPlaces(text: string): string {
  const [whole, fraction = ''] = text.split('.');
  return `${whole}.${fraction.padEnd(2, '0').slice(0, 2)}`;
}

/** Calendar dates (a recording's release date), YYYY-MM-DD, stored as a date without a time zone. */
export const DateScalar = new GraphQLScalarType<Date, string>({
  name: 'Date',
  description: 'A calendar date, ISO-8601: 2024-03-15.',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new GraphQLError('Date cannot represent an invalid date');
    return date.toISOString().slice(0, 10);
  },
  parseValue(value) {
    return parseDate(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw badInput('Date must be a string such as "2024-03-15"');
    return parseDate(ast.value);
  },
});

function parseDate(value: unknown): Date {
  const match = typeof value === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value) : null;
  const date = match ? new Date(`${value as string}T00:00:00Z`) : new Date(NaN);
  // 2024-02-30 parses as March 1st: a date that does not round-trip does not exist.
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    throw badInput('Date must be a calendar date written YYYY-MM-DD, e.g. "2024-03-15"');
  }
  return date;
}
