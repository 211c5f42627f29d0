import { Prisma, type Tx, type Work } from '@platform/db';
import { connectionOf, decodeCursor, pageSize, type Connection } from '@platform/paging';
import { WORK_COLUMNS } from '../works/work-list';

export interface SongwriterWorksPage {
  first?: number | null;
  after?: string | null;
}

/**
 * The works of many songwriters at once, each a page by title (a lateral join per songwriter),
 * with their counts: two statements for a whole list of songwriters.
 */
export async function worksOfSongwriters(
  tx: Tx,
  publisherId: string,
  songwriterIds: readonly string[],
  page: SongwriterWorksPage,
): Promise<Map<string, Connection<Work>>> {
  const size = pageSize(page.first);
  const after = page.after ? decodeCursor(page.after, ['text', 'uuid']) : null;
  const seek = after ? Prisma.sql`AND (w.title, w.id) > (${after[0]}, ${after[1]}::uuid)` : Prisma.empty;
  const ids = [...songwriterIds];
  const rows = await tx.$queryRaw<(Work & { songwriterId: string })[]>`
    SELECT s.id AS "songwriterId", p.* FROM unnest(${ids}::uuid[]) AS s(id)
     CROSS JOIN LATERAL (
       SELECT ${WORK_COLUMNS} FROM work_writers ww
         JOIN works w ON w.publisher_id = ww.publisher_id AND w.id = ww.work_id
        WHERE ww.publisher_id = ${publisherId}::uuid AND ww.songwriter_id = s.id ${seek}
        ORDER BY w.title, w.id LIMIT ${size + 1}) p`;
  const counts = await tx.$queryRaw<{ songwriterId: string; total: number }[]>`
    SELECT ww.songwriter_id AS "songwriterId", count(*)::int AS total FROM work_writers ww
      JOIN works w ON w.publisher_id = ww.publisher_id AND w.id = ww.work_id
     WHERE ww.publisher_id = ${publisherId}::uuid AND ww.songwriter_id = ANY(${ids}::uuid[])
     GROUP BY ww.songwriter_id`;
  const totals = new Map(counts.map((c) => [c.songwriterId, c.total]));
  return new Map(
    ids.map((id) => {
      const works = rows.filter((row) => row.songwriterId === id).map(({ songwriterId: _, ...work }) => work);
      return [id, connectionOf(works, size, totals.get(id) ?? 0, (w) => [w.title, w.id])];
    }),
  );
}
