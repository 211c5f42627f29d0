import { randomUUID } from 'node:crypto';
import type { Actor } from '@platform/auth';
import type { Prisma, Tx, Work } from '@platform/db';
import { InvalidInput, NotFound, NotPermitted } from '@platform/errors';
import { recordChange, type EventPayload } from '@platform/events';
import { normalizeIswc, requiredText, requireId } from '../identifiers';
import { validWriters, type WriterShare } from './shares';
import { connectionOf, decodeCursor, pageSize, seekAfter, type Connection } from '@platform/paging';

export interface WorkDraft {
  title?: string | null;
  iswc?: string | null;
  writers?: WriterShare[] | null;
}

export interface WorkQuery {
  first?: number | null;
  after?: string | null;
  filter?: { titleContains?: string | null; iswc?: string | null } | null;
}

const MAX_TITLE_LENGTH = 500;

export async function listWorks(tx: Tx, actor: Actor, query: WorkQuery): Promise<Connection<Work>> {
  const { publisherId } = actor;
  const size = pageSize(query.first);
  const after = query.after ? decodeCursor(query.after, ['text', 'uuid']) : null;
  const where: Prisma.WorkWhereInput = { publisherId };
  if (query.filter?.titleContains) where.title = { contains: query.filter.titleContains, mode: 'insensitive' };
  if (query.filter?.iswc) where.iswc = normalizeIswc(query.filter.iswc, 'filter.iswc');
  const seek: Prisma.WorkWhereInput = after ? seekAfter('title', after) : {};
  const rows = await tx.work.findMany({
    where: { AND: [where, seek] },
    orderBy: [{ title: 'asc' }, { id: 'asc' }],
    take: size + 1,
  });
  const total = await tx.work.count({ where });
  return connectionOf(rows, size, total, (w) => [w.title, w.id]);
}

export async function createWork(tx: Tx, actor: Actor, draft: WorkDraft): Promise<Work> {
  const title = requiredText(draft.title, 'title', MAX_TITLE_LENGTH);
  const iswc = draft.iswc ? normalizeIswc(draft.iswc) : null;
  const writers = includingOwnSongwriter(actor, draft.writers ? validWriters(draft.writers) : []);
  const id = randomUUID();
  await requireSongwriters(tx, actor.publisherId, writers);
  // No RETURNING: to a client the new work is invisible until its writers exist.
  await tx.work.createMany({
    data: [{ publisherId: actor.publisherId, id, title, iswc, createdBy: actor.userId, updatedBy: actor.userId }],
  });
  await tx.workWriter.createMany({ data: writers.map((w) => ({ publisherId: actor.publisherId, workId: id, ...w })) });
  const work = await tx.work.findUniqueOrThrow({ where: { publisherId_id: { publisherId: actor.publisherId, id } } });
  await recordChange(tx, actor, { entityType: 'Work', entityId: work.id, action: 'work.created', data: snapshot(work, writers) });
  return work;
}

/**
 * A client registers only works they wrote: with no writers given they are the sole writer, and
 * a list of writers must name them.
 */
function includingOwnSongwriter(actor: Actor, writers: WriterShare[]): WriterShare[] {
  const own = actor.ownWorksOf;
  if (!own) return writers;
  if (writers.length === 0) return [{ songwriterId: own, share: 100 }];
  if (!writers.some((w) => w.songwriterId === own)) {
    throw new InvalidInput('You can only register works you wrote: include yourself among the writers', 'writers');
  }
  return writers;
}

export async function updateWork(tx: Tx, actor: Actor, id: string, draft: WorkDraft): Promise<Work> {
  const workId = requireId(id, 'id', 'work');
  const changes: Prisma.WorkUpdateInput = { updatedBy: actor.userId };
  if (draft.title !== undefined && draft.title !== null) changes.title = requiredText(draft.title, 'title', MAX_TITLE_LENGTH);
  if (draft.iswc !== undefined) changes.iswc = draft.iswc ? normalizeIswc(draft.iswc) : null;
  const writers = draft.writers ? includingOwnSongwriter(actor, validWriters(draft.writers)) : null;
  const key = { publisherId_id: { publisherId: actor.publisherId, id: workId } };
  if (!(await tx.work.findUnique({ where: key, select: { id: true } }))) throw new NotFound('Work', workId);
  if (writers && actor.ownWorksOf) {
    await changeOwnShare(tx, actor.publisherId, workId, actor.ownWorksOf, writers);
  } else if (writers) {
    await requireSongwriters(tx, actor.publisherId, writers);
    await tx.workWriter.deleteMany({ where: { publisherId: actor.publisherId, workId } });
    await tx.workWriter.createMany({ data: writers.map((w) => ({ publisherId: actor.publisherId, workId, ...w })) });
  }
  const work = await tx.work.update({ where: key, data: changes });
  await recordChange(tx, actor, { entityType: 'Work', entityId: work.id, action: 'work.updated', data: snapshot(work, writers) });
  return work;
}

export async function deleteWork(tx: Tx, actor: Actor, id: string): Promise<string> {
  const workId = requireId(id, 'id', 'work');
  const { count } = await tx.work.deleteMany({ where: { publisherId: actor.publisherId, id: workId } });
  if (count === 0) throw new NotFound('Work', workId);
  await recordChange(tx, actor, { entityType: 'Work', entityId: workId, action: 'work.deleted', data: { id: workId } });
  return workId;
}

/**
 * A client's change to the writers of a co-written work: their own share line only. The other
 * lines must come back as they are; changing or removing them needs work:write without the
 * client restriction (row-level security refuses it too).
 */
async function changeOwnShare(tx: Tx, publisherId: string, workId: string, own: string, writers: WriterShare[]): Promise<void> {
  const current = await tx.workWriter.findMany({ where: { publisherId, workId }, select: { songwriterId: true, share: true } });
  const others = (list: { songwriterId: string; share: unknown }[]) =>
    list
      .filter((w) => w.songwriterId !== own)
      .map((w) => `${w.songwriterId}=${Number(w.share).toFixed(2)}`)
      .sort()
      .join(',');
  const mine = writers.find((w) => w.songwriterId === own);
  if (!mine || others(writers) !== others(current)) {
    throw new NotPermitted("You can change only your own share of a work; the other writers' lines must stay as they are");
  }
  await tx.workWriter.update({
    where: { publisherId_workId_songwriterId: { publisherId, workId, songwriterId: own } },
    data: { share: mine.share },
  });
}

/** Another publisher's songwriter is as absent as one that never existed. */
async function requireSongwriters(tx: Tx, publisherId: string, writers: WriterShare[]): Promise<void> {
  if (writers.length === 0) return;
  const ids = writers.map((w) => w.songwriterId);
  const found = await tx.songwriter.findMany({ where: { publisherId, id: { in: ids } }, select: { id: true } });
  const known = new Set(found.map((s) => s.id));
  const missing = ids.findIndex((id) => !known.has(id));
  if (missing >= 0) throw new InvalidInput(`songwriter ${ids[missing]} was not found`, `writers[${missing}].songwriterId`);
}

function snapshot(work: Work, writers: WriterShare[] | null): EventPayload<'work.created'> {
  return {
    id: work.id,
    title: work.title,
    iswc: work.iswc,
    ...(writers ? { writers: writers.map((w) => ({ songwriterId: w.songwriterId, share: w.share })) } : {}),
  };
}
