import type { Actor } from '@platform/auth';
import type { Prisma, Songwriter, Tx } from '@platform/db';
import { recordChange } from '@platform/events';
import { InvalidInput, NotFound } from '@platform/errors';
import { normalizeIpi, requiredText, requireId } from '../identifiers';
import { connectionOf, decodeCursor, pageSize, seekAfter, type Connection } from '@platform/paging';

export interface SongwriterQuery {
  first?: number | null;
  after?: string | null;
  filter?: { nameContains?: string | null } | null;
}

export async function listSongwriters(tx: Tx, actor: Actor, query: SongwriterQuery): Promise<Connection<Songwriter>> {
  const size = pageSize(query.first);
  const after = query.after ? decodeCursor(query.after, ['text', 'uuid']) : null;
  const where: Prisma.SongwriterWhereInput = { publisherId: actor.publisherId };
  if (query.filter?.nameContains) where.name = { contains: query.filter.nameContains, mode: 'insensitive' };
  const rows = await tx.songwriter.findMany({
    where: { AND: [where, after ? seekAfter('name', after) : {}] },
    orderBy: [{ name: 'asc' }, { id: 'asc' }],
    take: size + 1,
  });
  return connectionOf(rows, size, await tx.songwriter.count({ where }), (s) => [s.name, s.id]);
}

export interface SongwriterDraft {
  name?: string | null;
  ipi?: string | null;
}

export async function createSongwriter(tx: Tx, actor: Actor, draft: SongwriterDraft): Promise<Songwriter> {
  const data = { name: requiredText(draft.name, 'name', 200), ipi: draft.ipi ? normalizeIpi(draft.ipi) : null };
  const songwriter = await tx.songwriter.create({
    data: { publisherId: actor.publisherId, ...data, createdBy: actor.userId, updatedBy: actor.userId },
  });
  await recordChange(tx, actor, { entityType: 'Songwriter', entityId: songwriter.id, action: 'songwriter.created', data });
  return songwriter;
}

export async function updateSongwriter(tx: Tx, actor: Actor, id: string, draft: SongwriterDraft): Promise<Songwriter> {
  const songwriterId = requireId(id, 'id', 'songwriter');
  const changes: Prisma.SongwriterUpdateInput = { updatedBy: actor.userId };
  if (draft.name != null) changes.name = requiredText(draft.name, 'name', 200);
  if (draft.ipi !== undefined) changes.ipi = draft.ipi ? normalizeIpi(draft.ipi) : null;
  const key = { publisherId_id: { publisherId: actor.publisherId, id: songwriterId } };
  if (!(await tx.songwriter.findUnique({ where: key, select: { id: true } }))) throw new NotFound('Songwriter', songwriterId);
  const songwriter = await tx.songwriter.update({ where: key, data: changes });
  await recordChange(tx, actor, {
    entityType: 'Songwriter',
    entityId: songwriterId,
    action: 'songwriter.updated',
    data: { name: songwriter.name, ipi: songwriter.ipi },
  });
  return songwriter;
}

/** Shares would no longer add up, and clients would lose their works: writers of works stay. */
export async function deleteSongwriter(tx: Tx, actor: Actor, id: string): Promise<string> {
  const songwriterId = requireId(id, 'id', 'songwriter');
  const works = await tx.workWriter.count({ where: { publisherId: actor.publisherId, songwriterId } });
  if (works > 0) throw new InvalidInput(`This songwriter writes ${works} work(s); remove them from those works first`, 'id');
  const { count } = await tx.songwriter.deleteMany({ where: { publisherId: actor.publisherId, id: songwriterId } });
  if (count === 0) throw new NotFound('Songwriter', songwriterId);
  await recordChange(tx, actor, {
    entityType: 'Songwriter',
    entityId: songwriterId,
    action: 'songwriter.deleted',
    data: { id: songwriterId },
  });
  return songwriterId;
}
