import { randomUUID } from 'node:crypto';
import type { Actor } from '@platform/auth';
import { withConstraintRules, type Prisma, type Tx, type Work } from '@platform/db';
import { InvalidInput, NotFound, NotPermitted } from '@platform/errors';
import { recordChange, type EventPayload } from '@platform/events';
import { requireId } from '../identifiers';
import { checkVersion, validWorkFields, type WorkFieldsInput } from './work-fields';
import { validWriters, type WriterLine, type WriterLineInput } from './shares';

export interface WorkDraft extends WorkFieldsInput {
  writers?: WriterLineInput[] | null;
}

export async function createWork(tx: Tx, actor: Actor, draft: WorkDraft): Promise<Work> {
  const fields = validWorkFields({ ...draft, title: draft.title ?? '' });
  const version = checkVersion(fields, null);
  const writers = includingOwnSongwriter(actor, draft.writers ? validWriters(draft.writers) : []);
  const id = randomUUID();
  await requireSongwriters(tx, actor.publisherId, writers);
  if (version.originalWorkId) await requireOriginal(tx, actor.publisherId, version.originalWorkId, id);
  // No RETURNING: to a client the new work is invisible until its writers exist.
  await withConstraintRules(
    () =>
      tx.work.createMany({
        data: [
          {
            publisherId: actor.publisherId,
            id,
            ...fields,
            ...version,
            title: fields.title!,
            createdBy: actor.userId,
            updatedBy: actor.userId,
          },
        ],
      }),
    ISWC_RULE,
  );
  await tx.workWriter.createMany({ data: writers.map((w) => ({ publisherId: actor.publisherId, workId: id, ...w })) });
  const work = await tx.work.findUniqueOrThrow({ where: { publisherId_id: { publisherId: actor.publisherId, id } } });
  await recordChange(tx, actor, { entityType: 'Work', entityId: work.id, action: 'work.created', data: workSnapshot(work, writers) });
  return work;
}

/**
 * A client registers only works they wrote: with no writers given they are the sole writer, and
 * a list of writers must name them.
 */
function includingOwnSongwriter(actor: Actor, writers: WriterLine[]): WriterLine[] {
  const own = actor.ownWorksOf;
  if (!own) return writers;
  if (writers.length === 0) return [{ songwriterId: own, share: '100.00', role: 'CA', controlled: true }];
  if (!writers.some((w) => w.songwriterId === own)) {
    throw new InvalidInput('You can only register works you wrote: include yourself among the writers', 'writers');
  }
  return writers;
}

export async function updateWork(tx: Tx, actor: Actor, id: string, draft: WorkDraft): Promise<Work> {
  const workId = requireId(id, 'id', 'work');
  const fields = validWorkFields(draft);
  const writers = draft.writers ? includingOwnSongwriter(actor, validWriters(draft.writers)) : null;
  const key = { publisherId_id: { publisherId: actor.publisherId, id: workId } };
  // The update comes first: it locks the work, so two changes of its writers take turns.
  const locked = await tx.work.updateManyAndReturn({
    where: { publisherId: actor.publisherId, id: workId },
    data: { updatedBy: actor.userId, updatedAt: new Date() },
    select: { versionType: true, originalWorkId: true },
  });
  if (locked.length === 0) throw new NotFound('Work', workId);
  const version = checkVersion(fields, locked[0]!);
  if (version.originalWorkId && fields.originalWorkId) await requireOriginal(tx, actor.publisherId, version.originalWorkId, workId);
  if (writers && actor.ownWorksOf) {
    await changeOwnLine(tx, actor.publisherId, workId, actor.ownWorksOf, writers);
  } else if (writers) {
    await requireSongwriters(tx, actor.publisherId, writers);
    await tx.workWriter.deleteMany({ where: { publisherId: actor.publisherId, workId } });
    await tx.workWriter.createMany({ data: writers.map((w) => ({ publisherId: actor.publisherId, workId, ...w })) });
  }
  const changes: Prisma.WorkUpdateInput = { ...fields, ...version };
  const work = await withConstraintRules(() => tx.work.update({ where: key, data: changes }), ISWC_RULE);
  await recordChange(tx, actor, { entityType: 'Work', entityId: work.id, action: 'work.updated', data: workSnapshot(work, writers) });
  return work;
}

/**
 * A work with recordings, or the original of a modification, stays: deleting it would leave
 * them pointing nowhere. The database refuses the same (a foreign key and a trigger, migration
 * 020), so a recording linked in the meantime cannot slip through.
 */
export async function deleteWork(tx: Tx, actor: Actor, id: string): Promise<string> {
  const workId = requireId(id, 'id', 'work');
  const { publisherId } = actor;
  if (!(await tx.work.findUnique({ where: { publisherId_id: { publisherId, id: workId } }, select: { id: true } }))) {
    throw new NotFound('Work', workId);
  }
  const recordings = await tx.workRecording.count({ where: { publisherId, workId } });
  if (recordings > 0) {
    throw new InvalidInput(`This work has ${recordings} recording(s): unlink them from it (or delete them) first`, 'id');
  }
  await withConstraintRules(() => tx.work.deleteMany({ where: { publisherId, id: workId } }), {
    work_recordings_work_fkey: { message: 'A recording of this work was just linked to it: unlink it first', field: 'id' },
  });
  await recordChange(tx, actor, { entityType: 'Work', entityId: workId, action: 'work.deleted', data: { id: workId } });
  return workId;
}

/**
 * A client's change to the writers of a co-written work: their own line only (role, control;
 * its share too, as far as the total stays 100.00). The other lines must come back as they are;
 * changing or removing them needs work:write without the client restriction (row-level security
 * refuses it too).
 */
async function changeOwnLine(tx: Tx, publisherId: string, workId: string, own: string, writers: WriterLine[]): Promise<void> {
  const current = await tx.workWriter.findMany({ where: { publisherId, workId } });
  const others = (list: { songwriterId: string; share: unknown; role: string; controlled: boolean }[]) =>
    list
      .filter((w) => w.songwriterId !== own)
      .map((w) => `${w.songwriterId}=${Number(w.share).toFixed(2)}/${w.role}/${w.controlled}`)
      .sort()
      .join(',');
  const mine = writers.find((w) => w.songwriterId === own);
  if (!mine || others(writers) !== others(current)) {
    throw new NotPermitted("You can change only your own line of a work; the other writers' lines must stay as they are");
  }
  await tx.workWriter.update({
    where: { publisherId_workId_songwriterId: { publisherId, workId, songwriterId: own } },
    data: { share: mine.share, role: mine.role, controlled: mine.controlled },
  });
}

/** Another publisher's songwriter is as absent as one that never existed. */
async function requireSongwriters(tx: Tx, publisherId: string, writers: WriterLine[]): Promise<void> {
  if (writers.length === 0) return;
  const ids = writers.map((w) => w.songwriterId);
  const found = await tx.songwriter.findMany({ where: { publisherId, id: { in: ids } }, select: { id: true } });
  const known = new Set(found.map((s) => s.id));
  const missing = ids.findIndex((id) => !known.has(id));
  if (missing >= 0) throw new InvalidInput(`songwriter ${ids[missing]} was not found`, `writers[${missing}].songwriterId`);
}

/** The original of a modification: a work the caller can see, and not the modification itself. */
async function requireOriginal(tx: Tx, publisherId: string, originalId: string, workId: string): Promise<void> {
  if (originalId === workId) throw new InvalidInput('a work cannot be a modification of itself', 'originalWorkId');
  const original = await tx.work.findUnique({ where: { publisherId_id: { publisherId, id: originalId } }, select: { id: true } });
  if (!original) throw new InvalidInput(`work ${originalId} was not found`, 'originalWorkId');
}

/** A second work under an ISWC the publisher already registered is refused, naming the field. */
const ISWC_RULE = { works_iswc_key: { message: 'This ISWC is already registered to another work', field: 'iswc' } };

/** A work as its events carry it; `writers` when they changed. */
export function workSnapshot(
  work: Pick<Work, 'id' | 'title' | 'alternateTitles' | 'iswc' | 'language' | 'versionType' | 'originalWorkId'>,
  writers: WriterLine[] | null,
): EventPayload<'work.created'> {
  return {
    id: work.id,
    title: work.title,
    alternateTitles: work.alternateTitles,
    iswc: work.iswc,
    language: work.language,
    versionType: work.versionType,
    originalWorkId: work.originalWorkId,
    ...(writers ? { writers } : {}),
  };
}
