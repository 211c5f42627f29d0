import type { Prisma, Recording } from '@platform/db';
import { recordChange } from '@platform/events';
import { badUserInput, notFound, requirePrincipal, type RequestContext } from '@platform/server';
import { normalizeIsrc, requiredText, requireId } from './identifiers';
import { connectionOf, decodeCursor, pageSize, seekAfter, type Connection } from '@platform/server';

export interface RecordingQuery {
  first?: number | null;
  after?: string | null;
  filter?: { titleContains?: string | null } | null;
}

export async function listRecordings(ctx: RequestContext, query: RecordingQuery): Promise<Connection<Recording>> {
  const size = pageSize(query.first);
  const after = query.after ? decodeCursor(query.after, ['text', 'uuid']) : null;
  const where: Prisma.RecordingWhereInput = { publisherId: requirePrincipal(ctx).publisherId };
  if (query.filter?.titleContains) where.title = { contains: query.filter.titleContains, mode: 'insensitive' };
  return ctx.inScope(async (tx) => {
    const rows = await tx.recording.findMany({
      where: { AND: [where, after ? seekAfter('title', after) : {}] },
      orderBy: [{ title: 'asc' }, { id: 'asc' }],
      take: size + 1,
    });
    return connectionOf(rows, size, await tx.recording.count({ where }), (r) => [r.title, r.id]);
  });
}

export interface RecordingDraft {
  title?: string | null;
  isrc?: string | null;
  durationSeconds?: number | null;
}

function validDuration(value: number | null | undefined): number | null {
  if (value == null) return null;
  if (!Number.isInteger(value) || value < 1 || value > 24 * 3600)
    throw badUserInput('durationSeconds must be a whole number of seconds from 1 to 86400', 'durationSeconds');
  return value;
}

export async function createRecording(ctx: RequestContext, draft: RecordingDraft): Promise<Recording> {
  const actor = requirePrincipal(ctx);
  const data = {
    title: requiredText(draft.title, 'title'),
    isrc: draft.isrc ? normalizeIsrc(draft.isrc) : null,
    durationSeconds: validDuration(draft.durationSeconds),
  };
  return ctx.inScope(async (tx) => {
    const recording = await tx.recording.create({
      data: { publisherId: actor.publisherId, ...data, createdBy: actor.userId, updatedBy: actor.userId },
    });
    await recordChange(tx, actor, { entityType: 'Recording', entityId: recording.id, action: 'recording.created', data });
    return recording;
  });
}

export async function updateRecording(ctx: RequestContext, id: string, draft: RecordingDraft): Promise<Recording> {
  const actor = requirePrincipal(ctx);
  const recordingId = requireId(id, 'id', 'recording');
  const changes: Prisma.RecordingUpdateInput = { updatedBy: actor.userId };
  if (draft.title != null) changes.title = requiredText(draft.title, 'title');
  if (draft.isrc !== undefined) changes.isrc = draft.isrc ? normalizeIsrc(draft.isrc) : null;
  if (draft.durationSeconds !== undefined) changes.durationSeconds = validDuration(draft.durationSeconds);
  return ctx.inScope(async (tx) => {
    const key = { publisherId_id: { publisherId: actor.publisherId, id: recordingId } };
    if (!(await tx.recording.findUnique({ where: key, select: { id: true } }))) throw notFound('Recording');
    const recording = await tx.recording.update({ where: key, data: changes });
    await recordChange(tx, actor, {
      entityType: 'Recording',
      entityId: recordingId,
      action: 'recording.updated',
      data: { title: recording.title, isrc: recording.isrc },
    });
    return recording;
  });
}

export async function deleteRecording(ctx: RequestContext, id: string): Promise<string> {
  const actor = requirePrincipal(ctx);
  const recordingId = requireId(id, 'id', 'recording');
  return ctx.inScope(async (tx) => {
    const { count } = await tx.recording.deleteMany({ where: { publisherId: actor.publisherId, id: recordingId } });
    if (count === 0) throw notFound('Recording');
    await recordChange(tx, actor, {
      entityType: 'Recording',
      entityId: recordingId,
      action: 'recording.deleted',
      data: { id: recordingId },
    });
    return recordingId;
  });
}
