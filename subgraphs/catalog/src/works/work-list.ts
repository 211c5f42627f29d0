import type { Actor } from '@platform/auth';
import { Prisma, type Tx, type Work } from '@platform/db';
import { InvalidInput } from '@platform/errors';
import { connectionOf, decodeCursor, pageSize, type Connection, type CursorPart } from '@platform/paging';
import { normalizeIpiName, normalizeIsrc, normalizeIswc, requireId } from '../identifiers';

export interface WorkFilter {
  titleContains?: string | null;
  search?: string | null;
  iswc?: string | null;
  ipiNameNumber?: string | null;
  isrc?: string | null;
  writer?: string | null;
  controlled?: boolean | null;
}

export type WorkOrderField = 'TITLE' | 'CREATED_AT' | 'UPDATED_AT' | 'RELEVANCE';

export interface WorkQuery {
  first?: number | null;
  after?: string | null;
  filter?: WorkFilter | null;
  orderBy?: { field: WorkOrderField; direction?: 'ASC' | 'DESC' | null } | null;
}

/** A work as the list query selects it: the model's fields under their model names. */
export const WORK_COLUMNS = Prisma.sql`w.publisher_id AS "publisherId", w.id, w.title, w.iswc, w.alternate_titles AS "alternateTitles",
  w.language, w.version_type::text AS "versionType", w.original_work_id AS "originalWorkId",
  w.created_at AS "createdAt", w.created_by AS "createdBy", w.updated_by AS "updatedBy", w.updated_at AS "updatedAt"`;

/** An exact text of a timestamp (microseconds; a JavaScript Date keeps only milliseconds). */
const exactTime = (column: string) => Prisma.raw(`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`);

interface SortKey {
  /** The key as SQL, compared with the cursor's first part. */
  key: Prisma.Sql;
  /** The key as text, for the next cursor. */
  keyText: Prisma.Sql;
  part: CursorPart;
  cast: Prisma.Sql;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Works of the actor's publisher: filtered, sorted, and paged by keyset — the cursor is the sort
 * key and id of the last row, so a page never repeats or skips a row because others were added
 * or removed meanwhile. Three statements whatever the page size: the page, and its total count.
 */
export async function listWorks(tx: Tx, actor: Actor, query: WorkQuery): Promise<Connection<Work>> {
  const size = pageSize(query.first);
  const filter = query.filter ?? {};
  const search = filter.search?.trim() || null;
  if (filter.search != null && !search) throw new InvalidInput('filter.search must not be empty', 'filter.search');
  if (search && search.length > 200) throw new InvalidInput('filter.search must be at most 200 characters', 'filter.search');
  const field = query.orderBy?.field ?? (search ? 'RELEVANCE' : 'TITLE');
  if (field === 'RELEVANCE' && !search) throw new InvalidInput('orderBy RELEVANCE needs filter.search', 'orderBy.field');
  // Relevance is always best match first.
  const descending = field === 'RELEVANCE' || query.orderBy?.direction === 'DESC';
  const sort = sortKey(field, search);
  const where = whereOf(actor.publisherId, filter, search);
  // A cursor carries its order: one from another order would seek on the wrong key.
  const after = query.after ? decodeCursor(query.after, ['text', sort.part, 'uuid']) : null;
  if (after && after[0] !== field) throw new InvalidInput(`after is a cursor of a list in another order than ${field}`, 'after');
  const seek = after
    ? Prisma.sql`AND (${sort.key}, w.id) ${Prisma.raw(descending ? '<' : '>')} (${after[1]}${sort.cast}, ${after[2]}::uuid)`
    : Prisma.empty;
  const direction = Prisma.raw(descending ? 'DESC' : 'ASC');
  const rows = await tx.$queryRaw<(Work & { sortKey: string })[]>`
    SELECT ${WORK_COLUMNS}, ${sort.keyText} AS "sortKey" FROM works w
     WHERE ${where} ${seek}
     ORDER BY ${sort.key} ${direction}, w.id ${direction}
     LIMIT ${size + 1}`;
  const [{ total }] = await tx.$queryRaw<[{ total: number }]>`SELECT count(*)::int AS total FROM works w WHERE ${where}`;
  return connectionOf(rows, size, total, (w) => [field, w.sortKey, w.id]);
}

function sortKey(field: WorkOrderField, search: string | null): SortKey {
  switch (field) {
    case 'TITLE':
      return { key: Prisma.sql`w.title`, keyText: Prisma.sql`w.title`, part: 'text', cast: Prisma.empty };
    case 'CREATED_AT':
      return { key: Prisma.sql`w.created_at`, keyText: exactTime('w.created_at'), part: 'timestamp', cast: Prisma.sql`::timestamptz` };
    case 'UPDATED_AT':
      return { key: Prisma.sql`w.updated_at`, keyText: exactTime('w.updated_at'), part: 'timestamp', cast: Prisma.sql`::timestamptz` };
    case 'RELEVANCE': {
      // A title that starts with the search ranks above any that merely has a similar word.
      const rank = Prisma.sql`((w.title ILIKE ${`${escapeLike(search!)}%`})::int + word_similarity(${search}, w.title))::float8`;
      return { key: rank, keyText: Prisma.sql`${rank}::text`, part: 'decimal', cast: Prisma.sql`::float8` };
    }
  }
}

function whereOf(publisherId: string, filter: WorkFilter, search: string | null): Prisma.Sql {
  const conditions = [Prisma.sql`w.publisher_id = ${publisherId}::uuid`];
  if (filter.titleContains) conditions.push(Prisma.sql`w.title ILIKE ${`%${escapeLike(filter.titleContains)}%`}`);
  if (search) conditions.push(Prisma.sql`(w.title ILIKE ${`${escapeLike(search)}%`} OR ${search} <% w.title)`);
  if (filter.iswc) conditions.push(Prisma.sql`w.iswc = ${normalizeIswc(filter.iswc, 'filter.iswc')}`);
  const lines = (condition: Prisma.Sql) =>
    Prisma.sql`EXISTS (SELECT 1 FROM work_writers ww WHERE ww.publisher_id = w.publisher_id AND ww.work_id = w.id AND ${condition})`;
  if (filter.writer)
    conditions.push(lines(Prisma.sql`ww.songwriter_id = ${requireId(filter.writer, 'filter.writer', 'songwriter')}::uuid`));
  if (filter.ipiNameNumber) {
    const ipi = normalizeIpiName(filter.ipiNameNumber, 'filter.ipiNameNumber');
    conditions.push(
      lines(
        Prisma.sql`ww.songwriter_id IN (SELECT s.id FROM songwriters s WHERE s.publisher_id = w.publisher_id AND s.ipi_name_number = ${ipi})`,
      ),
    );
  }
  if (filter.isrc) {
    const isrc = normalizeIsrc(filter.isrc, 'filter.isrc');
    conditions.push(Prisma.sql`EXISTS (SELECT 1 FROM work_recordings wr JOIN recordings r ON r.publisher_id = wr.publisher_id AND r.id = wr.recording_id
                                        WHERE wr.publisher_id = w.publisher_id AND wr.work_id = w.id AND r.isrc = ${isrc})`);
  }
  if (filter.controlled != null) {
    const controlled = lines(Prisma.sql`ww.controlled`);
    conditions.push(filter.controlled ? controlled : Prisma.sql`NOT ${controlled}`);
  }
  return Prisma.join(conditions, ' AND ');
}
