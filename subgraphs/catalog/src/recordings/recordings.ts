import type { Actor } from '@platform/auth';
import { withConstraintRules, type Prisma, type Recording, type Tx } from '@platform/db';
import { recordChange, type EventPayload } from '@platform/events';
import { InvalidInput, NotFound } from '@platform/errors';
import { normalizeIsrc, optionalText, requiredText, requireId } from '../identifiers';
import { connectionOf, decodeCursor, pageSize, seekAfter, type Connection } from '@platform/paging';

export interface RecordingQuery {
  first?: number | null;
  after?: string | null;
  filter?: { titleContains?: string | null; isrc?: string | null; work?: string | null } | null;
}

export async function listRecordings(tx: Tx, actor: Actor, query: RecordingQuery): Promise<Connection<Recording>> {
  const size = pageSize(query.first);
  const after = query.after ? decodeCursor(query.after, ['text', 'uuid']) : null;
  const where: Prisma.RecordingWhereInput = { publisherId: actor.publisherId };
  if (query.filter?.titleContains) where.title = { contains: query.filter.titleContains, mode: 'insensitive' };
  if (query.filter?.isrc) where.isrc = normalizeIsrc(query.filter.isrc, 'filter.isrc');
  if (query.filter?.work) where.works = { some: { workId: requireId(query.filter.work, 'filter.work', 'work') } };
  const rows = await tx.recording.findMany({
    where: { AND: [where, after ? seekAfter('title', after) : {}] },
    orderBy: [{ title: 'asc' }, { id: 'asc' }],
    take: size + 1,
  });
  return connectionOf(rows, size, await tx.recording.count({ where }), (r) => [r.title, r.id]);
}

export interface RecordingDraft {
  title?: string | null;
  isrc?: string | null;
  artist?: string | null;
  durationSeconds?: number | null;
  releaseDate?: Date | null;
  workIds?: string[] | null;
}

type RecordingFields = Partial<Pick<Recording, 'title' | 'isrc' | 'artist' | 'durationSeconds' | 'releaseDate'>>;

function validDuration(value: number | null | undefined): number | null {
  if (value == null) return null;
  if (!Number.isInteger(value) || value < 1 || value > 24 * 3600)
    throw new InvalidInput('durationSeconds must be a whole number of seconds from 1 to 86400', 'durationSeconds');
  return value;
}

function validReleaseDate(value: Date | null | undefined): Date | null {
  if (value == null) return null;
  const year = value.getUTCFullYear();
  if (year < 1877 || value.getTime() > Date.now() + 5 * 365 * 86_400_000) {
    throw new InvalidInput('releaseDate must be a date from 1877 (the first recording) to five years from now', 'releaseDate');
  }
  return value;
}

function validRecordingFields(draft: RecordingDraft): RecordingFields {
  const fields: RecordingFields = {};
  if (draft.title != null) fields.title = requiredText(draft.title, 'title');
  if (draft.isrc !== undefined) fields.isrc = draft.isrc ? normalizeIsrc(draft.isrc) : null;
  if (draft.artist !== undefined) fields.artist = optionalText(draft.artist, 'artist', 200);
  if (draft.durationSeconds !== undefined) fields.durationSeconds = validDuration(draft.durationSeconds);
  if (draft.releaseDate !== undefined) fields.releaseDate = validReleaseDate(draft.releaseDate);
  return fields;
}

/** Each work once, and every one a work the caller can see (another publisher's is simply not found). */
async function validWorkIds(tx: Tx, publisherId: string, workIds: string[]): Promise<string[]> {
  const ids = workIds.map((id, i) => requireId(id, `workIds[${i}]`, 'work'));
  if (ids.length > 100) throw new InvalidInput('a recording records at most 100 works', 'workIds');
  const found = new Set((await tx.work.findMany({ where: { publisherId, id: { in: ids } }, select: { id: true } })).map((w) => w.id));
  const missing = ids.findIndex((id) => !found.has(id));
  if (missing >= 0) throw new InvalidInput(`work ${ids[missing]} was not found`, `workIds[${missing}]`);
  return [...new Set(ids)];
}

export async function createRecording(tx: Tx, actor: Actor, draft: RecordingDraft): Promise<Recording> {
  const fields = validRecordingFields({ ...draft, title: draft.title ?? '' });
  const workIds = draft.workIds ? await validWorkIds(tx, actor.publisherId, draft.workIds) : [];
  const recording = await withConstraintRules(
    () =>
      tx.recording.create({
        data: { publisherId: actor.publisherId, ...fields, title: fields.title!, createdBy: actor.userId, updatedBy: actor.userId },
      }),
    ISRC_RULE,
  );
  await tx.workRecording.createMany({
    data: workIds.map((workId) => ({ publisherId: actor.publisherId, workId, recordingId: recording.id })),
  });
  await recordChange(tx, actor, {
    entityType: 'Recording',
    entityId: recording.id,
    action: 'recording.created',
    data: recordingSnapshot(recording, workIds),
  });
  return recording;
}

export async function updateRecording(tx: Tx, actor: Actor, id: string, draft: RecordingDraft): Promise<Recording> {
  const recordingId = requireId(id, 'id', 'recording');
  const fields = validRecordingFields(draft);
  const key = { publisherId_id: { publisherId: actor.publisherId, id: recordingId } };
  if (!(await tx.recording.findUnique({ where: key, select: { id: true } }))) throw new NotFound('Recording', recordingId);
  const workIds = draft.workIds ? await validWorkIds(tx, actor.publisherId, draft.workIds) : null;
  const recording = await withConstraintRules(
    () => tx.recording.update({ where: key, data: { ...fields, updatedBy: actor.userId } }),
    ISRC_RULE,
  );
  if (workIds) {
    await tx.workRecording.deleteMany({ where: { publisherId: actor.publisherId, recordingId } });
    await tx.workRecording.createMany({ data: workIds.map((workId) => ({ publisherId: actor.publisherId, workId, recordingId })) });
  }
  await recordChange(tx, actor, {
    entityType: 'Recording',
    entityId: recordingId,
    action: 'recording.updated',
    data: recordingSnapshot(recording, workIds),
  });
  return recording;
}

/** The recording's links to works go with it; the works stay. */
export async function deleteRecording(tx: Tx, actor: Actor, id: string): Promise<string> {
  const recordingId = requireId(id, 'id', 'recording');
  const { count } = await tx.recording.deleteMany({ where: { publisherId: actor.publisherId, id: recordingId } });
  if (count === 0) throw new NotFound('Recording', recordingId);
  await recordChange(tx, actor, { entityType: 'Recording', entityId: recordingId, action: 'recording.deleted', data: { id: recordingId } });
  return recordingId;
}

/** One ISRC is one recording: a second recording with it is refused, naming the field. */
const ISRC_RULE = { recordings_isrc_key: { message: 'Another recording already has this ISRC', field: 'isrc' } };

function recordingSnapshot(r: Recording, workIds: string[] | null): EventPayload<'recording.created'> {
  return {
    title: r.title,
    isrc: r.isrc,
    artist: r.artist,
    durationSeconds: r.durationSeconds,
    releaseDate: r.releaseDate?.toISOString().slice(0, 10) ?? null,
    ...(workIds ? { workIds } : {}),
  };
}
