import type { Actor } from '@platform/auth';
import type { Prisma, Recording, Tx } from '@platform/db';
import { recordChange } from '@platform/events';
import { InvalidInput, NotFound } from '@platform/errors';
import { normalizeIsrc, requiredText, requireId } from '../identifiers';
import { connectionOf, decodeCursor, pageSize, seekAfter, type Connection } from '@platform/paging';

export interface RecordingQuery {
  first?: number | null;
  after?: string | null;
  filter?: { titleContains?: string | null } | null;
}

export async function listRecordings(tx: Tx, actor: Actor, query: RecordingQuery): Promise<Connection<Recording>> {
  const size = pageSize(query.first);
  const after = query.after ? decodeCursor(query.after, ['text', 'uuid']) : null;
  const where: Prisma.RecordingWhereInput = { publisherId: actor.publisherId };
  if (query.filter?.titleContains) where.title = { contains: query.filter.titleContains, mode: 'insensitive' };
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
  durationSeconds?: number | null;
}

function validDuration(value: number | null | undefined): number | null {
  if (value == null) return null;
  if (!Number.isInteger(value) || value < 1 || value > 24 * 3600)
    throw new InvalidInput('durationSeconds must be a whole number of seconds from 1 to 86400', 'durationSeconds');
  return value;
}

export async function createRecording(tx: Tx, actor: Actor, draft: RecordingDraft): Promise<Recording> {
  const data = {
    title: requiredText(draft.title, 'title'),
    isrc: draft.isrc ? normalizeIsrc(draft.isrc) : null,
    durationSeconds: validDuration(draft.durationSeconds),
  };
  const recording = await tx.recording.create({
    data: { publisherId: actor.publisherId, ...data, createdBy: actor.userId, updatedBy: actor.userId },
  });
  await recordChange(tx, actor, { entityType: 'Recording', entityId: recording.id, action: 'recording.created', data });
  return recording;
}

export async function updateRecording(tx: Tx, actor: Actor, id: string, draft: RecordingDraft): Promise<Recording> {
  const recordingId = requireId(id, 'id', 'recording');
  const changes: Prisma.RecordingUpdateInput = { updatedBy: actor.userId };
  if (draft.title != null) changes.title = requiredText(draft.title, 'title');
  if (draft.isrc !== undefined) changes.isrc = draft.isrc ? normalizeIsrc(draft.isrc) : null;
  if (draft.durationSeconds !== undefined) changes.durationSeconds = validDuration(draft.durationSeconds);
  const key = { publisherId_id: { publisherId: actor.publisherId, id: recordingId } };
  if (!(await tx.recording.findUnique({ where: key, select: { id: true } }))) throw new NotFound('Recording', recordingId);
  const recording = await tx.recording.update({ where: key, data: changes });
  await recordChange(tx, actor, {
    entityType: 'Recording',
    entityId: recordingId,
    action: 'recording.updated',
    data: { title: recording.title, isrc: recording.isrc },
  });
  return recording;
}

export async function deleteRecording(tx: Tx, actor: Actor, id: string): Promise<string> {
  const recordingId = requireId(id, 'id', 'recording');
  const { count } = await tx.recording.deleteMany({ where: { publisherId: actor.publisherId, id: recordingId } });
  if (count === 0) throw new NotFound('Recording', recordingId);
  await recordChange(tx, actor, {
    entityType: 'Recording',
    entityId: recordingId,
    action: 'recording.deleted',
    data: { id: recordingId },
  });
  return recordingId;
}
