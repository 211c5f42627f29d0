import { isUuid } from '@platform/db';
import { InvalidInput } from '@platform/errors';

export interface Edge<T> {
  node: T;
  cursor: string;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

export const MAX_PAGE_SIZE = 100;

export function pageSize(first: number | null | undefined): number {
  const size = first ?? 20;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new InvalidInput(`first must be between 1 and ${MAX_PAGE_SIZE}`, 'first');
  }
  return size;
}

/**
 * Cursors are opaque to clients: the sort key of the last row seen, so the next page is a
 * keyset seek on an index rather than an OFFSET scan.
 */
export function encodeCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export type CursorPart = 'text' | 'timestamp' | 'uuid' | 'integer' | 'decimal';

const CURSOR_PART: Record<CursorPart, (part: string) => boolean> = {
  text: (part) => part.length <= 1_000 && !part.includes('\u0000') && part.isWellFormed(),
  timestamp: (part) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(part) && !Number.isNaN(Date.parse(part)),
  uuid: isUuid,
  integer: (part) => /^\d{1,18}$/.test(part),
  decimal: (part) => /^-?\d{1,18}(\.\d{1,20})?(e-?\d{1,3})?$/.test(part),
};

/**
 * The sort key a cursor carries, each part checked against what the query will compare it with:
 * a hand-made cursor is refused here with BAD_USER_INPUT, never by the database.
 */
export function decodeCursor(cursor: string, parts: readonly CursorPart[]): string[] {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(key) &&
      key.length === parts.length &&
      key.every((part, i) => typeof part === 'string' && CURSOR_PART[parts[i]!](part))
    )
      return key;
  } catch {
    // reported below
  }
  throw new InvalidInput('after must be a cursor returned by this API', 'after');
}

/** `rows` holds up to one row more than the page: its presence means there is a next page. */
export function connectionOf<T>(rows: T[], size: number, totalCount: number, keyOf: (row: T) => string[]): Connection<T> {
  const page = rows.slice(0, size);
  const edges = page.map((node) => ({ node, cursor: encodeCursor(keyOf(node)) }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null },
    totalCount,
  };
}

/** The rows after a cursor of (sortField, id), in (sortField, id) order. */
export function seekAfter<F extends string>(field: F, [value, id]: string[]) {
  return { OR: [{ [field]: { gt: value } }, { [field]: value, id: { gt: id } }] } as {
    OR: ({ [K in F]: { gt: string } } | ({ [K in F]: string } & { id: { gt: string } }))[];
  };
}
