import type { Actor } from '@platform/auth';
import { Prisma, type Tx, type Work, type WorkWriter } from '@platform/db';
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

/** A page of works, and the writer lines of each when they were asked to ride along. */
export interface WorkPage {
  connection: Connection<Work>;
  /** By work id, in the writers loader's order (share descending, then songwriter); null: not asked. */
  writers: Map<string, WorkWriter[]> | null;
}

/**
 * Each work's writer lines as one JSON array, in the writers loader's order: the page carries
 * them instead of a second statement. Read in the same statement, under the same row-level
 * security as the loader's query (the client restriction included).
 */
const WRITER_LINES = Prisma.sql`coalesce((SELECT json_agg(json_build_object('songwriterId', ww.songwriter_id, 'share', ww.share::text,
                                                                            'role', ww.role, 'controlled', ww.controlled)
                                                          ORDER BY ww.share DESC, ww.songwriter_id)
                                            FROM work_writers ww WHERE ww.publisher_id = w.publisher_id AND ww.work_id = w.id), '[]'::json)`;

interface WriterLineJson {
  songwriterId: string;
  share: string;
  role: string;
  controlled: boolean;
}

/** An exact text of a timestamp (microseconds; a JavaScript Date keeps only milliseconds). */
const exactTime = (column: string) => Prisma.raw(`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`);

interface SortKey {
  /** The key as SQL, compared with the cursor's sort key. */
  key: Prisma.Sql;
  /** The key as text, for the next cursor. */
  keyText: Prisma.Sql;
  part: CursorPart;
  cast: Prisma.Sql;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Works of the actor's publisher: filtered, sorted, and paged by keyset — the cursor is the sort
 * key and id of the last row (and the order it belongs to), so a page never repeats or skips a
 * row because others were added or removed meanwhile. One statement whatever the page size,
 * its total count included (two for a page past the end), and each work's writer lines with it
 * when `withWriters` asks for them.
 */
export async function listWorks(tx: Tx, actor: Actor, query: WorkQuery, options: { withWriters?: boolean } = {}): Promise<WorkPage> {
  const size = pageSize(query.first);
  const filter = query.filter ?? {};
  const search = filter.search?.trim() || null;
  if (filter.search != null && !search) throw new InvalidInput('filter.search must not be empty', 'filter.search');
  if (search && search.length > 200) throw new InvalidInput('filter.search must be at most 200 characters', 'filter.search');
  const field = query.orderBy?.field ?? (search ? 'RELEVANCE' : 'TITLE');
  if (field === 'RELEVANCE' && !search) throw new InvalidInput('orderBy RELEVANCE needs filter.search', 'orderBy.field');
  // Relevance is always best match first.
  const descending = field === 'RELEVANCE' || query.orderBy?.direction === 'DESC';
  const sort = sortKey(field);
  const where = whereOf(actor.publisherId, filter);
  // Title search runs in the database's search function (migration 020), where the trigram index serves it.
  const from = search
    ? Prisma.sql`works w JOIN app_work_title_search(${search}, ${`${escapeLike(search)}%`}) m ON m.work_id = w.id`
    : Prisma.sql`works w`;
  // A cursor carries its order: one from another order would seek on the wrong key.
  const after = query.after ? decodeCursor(query.after, ['text', sort.part, 'uuid']) : null;
  if (after && after[0] !== field) throw new InvalidInput(`after is a cursor of a list in another order than ${field}`, 'after');
  const seek = after
    ? Prisma.sql`AND (${sort.key}, w.id) ${Prisma.raw(descending ? '<' : '>')} (${after[1]}${sort.cast}, ${after[2]}::uuid)`
    : Prisma.empty;
  const direction = Prisma.raw(descending ? 'DESC' : 'ASC');
  // The total rides on the page as a sub-select evaluated once (an InitPlan): one round trip
  // instead of two. A page past the end has no row to carry it, and asks on its own.
  const count = Prisma.sql`SELECT count(*)::int FROM ${from} WHERE ${where}`;
  const writerLines = options.withWriters ? Prisma.sql`, ${WRITER_LINES} AS "writerLines"` : Prisma.empty;
  const rows = await tx.$queryRaw<(Work & { sortKey: string; total: number; writerLines?: WriterLineJson[] })[]>`
    SELECT ${WORK_COLUMNS}, ${sort.keyText} AS "sortKey", (${count}) AS total ${writerLines} FROM ${from}
     WHERE ${where} ${seek}
     ORDER BY ${sort.key} ${direction}, w.id ${direction}
     LIMIT ${size + 1}`;
  const total = rows[0]?.total ?? (await tx.$queryRaw<[{ count: number }]>`${count}`)[0].count;
  const writers = options.withWriters
    ? new Map(
        rows.map(({ id, publisherId, writerLines: lines = [] }) => [
          id,
          lines.map((line) => ({ ...line, publisherId, workId: id, share: new Prisma.Decimal(line.share) })),
        ]),
      )
    : null;
  const works = rows.map(({ writerLines: _lines, ...work }) => work);
  return { connection: connectionOf(works, size, total, (w) => [field, w.sortKey, w.id]), writers };
}

function sortKey(field: WorkOrderField): SortKey {
  switch (field) {
    case 'TITLE':
      return { key: Prisma.sql`w.title`, keyText: Prisma.sql`w.title`, part: 'text', cast: Prisma.empty };
    case 'CREATED_AT':
      return { key: Prisma.sql`w.created_at`, keyText: exactTime('w.created_at'), part: 'timestamp', cast: Prisma.sql`::timestamptz` };
    case 'UPDATED_AT':
      return { key: Prisma.sql`w.updated_at`, keyText: exactTime('w.updated_at'), part: 'timestamp', cast: Prisma.sql`::timestamptz` };
    case 'RELEVANCE':
      // A title that starts with the search ranks above any that merely has a similar word (m: the search's matches).
      return { key: Prisma.sql`m.rank`, keyText: Prisma.sql`m.rank::text`, part: 'decimal', cast: Prisma.sql`::float8` };
  }
}

/**
 * The filters as conditions on `w`. Selective ones (a writer, an IPI, an ISRC) are uncorrelated
 * sub-selects, so PostgreSQL starts from the few matching rows instead of probing every work.
 */
function whereOf(publisherId: string, filter: WorkFilter): Prisma.Sql {
  const publisher = Prisma.sql`${publisherId}::uuid`;
  const conditions = [Prisma.sql`w.publisher_id = ${publisher}`];
  if (filter.titleContains) {
    conditions.push(Prisma.sql`w.id IN (SELECT work_id FROM app_work_title_contains(${`%${escapeLike(filter.titleContains)}%`}))`);
  }
  if (filter.iswc) conditions.push(Prisma.sql`w.iswc = ${normalizeIswc(filter.iswc, 'filter.iswc')}`);
  const writtenBy = (songwriters: Prisma.Sql) =>
    Prisma.sql`w.id IN (SELECT ww.work_id FROM work_writers ww WHERE ww.publisher_id = ${publisher} AND ww.songwriter_id IN (${songwriters}))`;
  if (filter.writer) conditions.push(writtenBy(Prisma.sql`${requireId(filter.writer, 'filter.writer', 'songwriter')}::uuid`));
  if (filter.ipiNameNumber) {
    const ipi = normalizeIpiName(filter.ipiNameNumber, 'filter.ipiNameNumber');
    conditions.push(
      writtenBy(Prisma.sql`SELECT s.id FROM songwriters s WHERE s.publisher_id = ${publisher} AND s.ipi_name_number = ${ipi}`),
    );
  }
  if (filter.isrc) {
    const isrc = normalizeIsrc(filter.isrc, 'filter.isrc');
    conditions.push(Prisma.sql`w.id IN (SELECT wr.work_id FROM work_recordings wr WHERE wr.publisher_id = ${publisher} AND wr.recording_id IN
                                          (SELECT r.id FROM recordings r WHERE r.publisher_id = ${publisher} AND r.isrc = ${isrc}))`);
  }
  if (filter.controlled != null) {
    const controlled = Prisma.sql`EXISTS (SELECT 1 FROM work_writers ww WHERE ww.publisher_id = w.publisher_id AND ww.work_id = w.id AND ww.controlled)`;
    conditions.push(filter.controlled ? controlled : Prisma.sql`NOT ${controlled}`);
  }
  return Prisma.join(conditions, ' AND ');
}
