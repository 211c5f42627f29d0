import DataLoader from 'dataloader';
import { isUuid, type Recording, type Songwriter, type Tx, type Work, type WorkWriter } from '@platform/db';
import { requirePrincipal, type RequestContext } from '@platform/access';
import type { Connection } from '@platform/paging';
import { worksOfSongwriters, type SongwriterWorksPage } from './songwriters/songwriter-works';

export interface CatalogLoaders {
  work: DataLoader<string, Work | null>;
  songwriter: DataLoader<string, Songwriter | null>;
  recording: DataLoader<string, Recording | null>;
  writersOfWork: DataLoader<string, WorkWriter[]>;
  recordingsOfWork: DataLoader<string, Recording[]>;
  worksOfRecording: DataLoader<string, Work[]>;
  /** Songwriter.works: one loader per page asked for (the same `first` and `after` batch together). */
  worksOfSongwriter(page: SongwriterWorksPage): DataLoader<string, Connection<Work>>;
}

/**
 * Per-request batching: a page of works with their writers, songwriters and recordings is a
 * fixed number of queries whatever its size, never one per row. A malformed or invisible id
 * resolves to null, exactly like an id that does not exist.
 */
export function createLoaders(ctx: RequestContext): CatalogLoaders {
  const publisherId = () => requirePrincipal(ctx).publisherId;
  const byId = <T extends { id: string }>(fetch: (tx: Tx, publisherId: string, ids: string[]) => Promise<T[]>) =>
    new DataLoader<string, T | null>(async (keys) => {
      const ids = keys.filter(isUuid).map((id) => id.toLowerCase());
      const rows = ids.length ? await ctx.read((tx) => fetch(tx, publisherId(), ids)) : [];
      const found = new Map(rows.map((row) => [row.id, row]));
      return keys.map((key) => found.get(key.toLowerCase()) ?? null);
    });
  const grouped = <T>(keys: readonly string[], rows: T[], keyOf: (row: T) => string) =>
    keys.map((key) => rows.filter((row) => keyOf(row) === key));
  const songwriterPages = new Map<string, DataLoader<string, Connection<Work>>>();
  return {
    work: byId((tx, publisherId, ids) => tx.work.findMany({ where: { publisherId, id: { in: ids } } })),
    songwriter: byId((tx, publisherId, ids) => tx.songwriter.findMany({ where: { publisherId, id: { in: ids } } })),
    recording: byId((tx, publisherId, ids) => tx.recording.findMany({ where: { publisherId, id: { in: ids } } })),
    writersOfWork: new DataLoader(async (workIds) => {
      const rows = await ctx.read((tx) =>
        tx.workWriter.findMany({
          where: { publisherId: publisherId(), workId: { in: [...workIds] } },
          orderBy: [{ share: 'desc' }, { songwriterId: 'asc' }],
        }),
      );
      return grouped(workIds, rows, (row) => row.workId);
    }),
    recordingsOfWork: new DataLoader(async (workIds) => {
      const links = await ctx.read((tx) =>
        tx.workRecording.findMany({
          where: { publisherId: publisherId(), workId: { in: [...workIds] } },
          include: { recording: true },
          orderBy: [{ recording: { title: 'asc' } }, { recordingId: 'asc' }],
        }),
      );
      return grouped(workIds, links, (link) => link.workId).map((list) => list.map((link) => link.recording));
    }),
    worksOfRecording: new DataLoader(async (recordingIds) => {
      const links = await ctx.read((tx) =>
        tx.workRecording.findMany({
          where: { publisherId: publisherId(), recordingId: { in: [...recordingIds] } },
          include: { work: true },
          orderBy: [{ work: { title: 'asc' } }, { workId: 'asc' }],
        }),
      );
      return grouped(recordingIds, links, (link) => link.recordingId).map((list) => list.map((link) => link.work));
    }),
    worksOfSongwriter(page) {
      const key = JSON.stringify([page.first ?? null, page.after ?? null]);
      let loader = songwriterPages.get(key);
      if (!loader) {
        loader = new DataLoader(async (songwriterIds) => {
          const pages = await ctx.read((tx) => worksOfSongwriters(tx, publisherId(), songwriterIds, page));
          return songwriterIds.map((id) => pages.get(id)!);
        });
        songwriterPages.set(key, loader);
      }
      return loader;
    },
  };
}
