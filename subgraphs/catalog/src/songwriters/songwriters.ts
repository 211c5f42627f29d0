import type { Actor } from '@platform/auth';
import { withConstraintRules, type Prisma, type Songwriter, type Tx } from '@platform/db';
import { recordChange, type EventPayload } from '@platform/events';
import { InvalidInput, NotFound } from '@platform/errors';
import { normalizeIpiBase, normalizeIpiName, optionalText, requiredText, requireId } from '../identifiers';
import { connectionOf, decodeCursor, pageSize, seekAfter, type Connection } from '@platform/paging';
import { societyCode } from './societies';

export interface SongwriterQuery {
  first?: number | null;
  after?: string | null;
  filter?: { nameContains?: string | null; ipiNameNumber?: string | null } | null;
}

export async function listSongwriters(tx: Tx, actor: Actor, query: SongwriterQuery): Promise<Connection<Songwriter>> {
  const size = pageSize(query.first);
  const after = query.after ? decodeCursor(query.after, ['text', 'uuid']) : null;
  const where: Prisma.SongwriterWhereInput = { publisherId: actor.publisherId };
  if (query.filter?.nameContains) where.name = { contains: query.filter.nameContains, mode: 'insensitive' };
  if (query.filter?.ipiNameNumber) where.ipiNameNumber = normalizeIpiName(query.filter.ipiNameNumber, 'filter.ipiNameNumber');
  const rows = await tx.songwriter.findMany({
    where: { AND: [where, after ? seekAfter('name', after) : {}] },
    orderBy: [{ name: 'asc' }, { id: 'asc' }],
    take: size + 1,
  });
  return connectionOf(rows, size, await tx.songwriter.count({ where }), (s) => [s.name, s.id]);
}

export interface SongwriterDraft {
  /** Deprecated: split at its last space into first and last name. */
  name?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  /** Deprecated spelling of ipiNameNumber. */
  ipi?: string | null;
  ipiNameNumber?: string | null;
  ipiBaseNumber?: string | null;
  society?: string | null;
}

type SongwriterFields = Partial<Pick<Songwriter, 'firstName' | 'lastName' | 'ipiNameNumber' | 'ipiBaseNumber' | 'society'>>;

const NAME_LENGTH = 100;

/** The fields given, checked and normalised; undefined leaves a field as it is, '' or null clears it. */
function validSongwriterFields(draft: SongwriterDraft): SongwriterFields {
  const fields: SongwriterFields = {};
  if (draft.name != null && draft.lastName == null) {
    const name = requiredText(draft.name, 'name', 2 * NAME_LENGTH);
    const space = name.lastIndexOf(' ');
    fields.firstName = space > 0 ? name.slice(0, space).trim() : null;
    fields.lastName = space > 0 ? name.slice(space + 1) : name;
  }
  if (draft.firstName !== undefined) fields.firstName = optionalText(draft.firstName, 'firstName', NAME_LENGTH);
  if (draft.lastName != null) fields.lastName = requiredText(draft.lastName, 'lastName', NAME_LENGTH);
  const ipi = draft.ipiNameNumber !== undefined ? draft.ipiNameNumber : draft.ipi;
  const ipiField = draft.ipiNameNumber !== undefined ? 'ipiNameNumber' : 'ipi';
  if (ipi !== undefined) fields.ipiNameNumber = ipi ? normalizeIpiName(ipi, ipiField) : null;
  if (draft.ipiBaseNumber !== undefined) {
    fields.ipiBaseNumber = draft.ipiBaseNumber ? normalizeIpiBase(draft.ipiBaseNumber, 'ipiBaseNumber') : null;
  }
  if (draft.society !== undefined) fields.society = draft.society ? societyCode(draft.society, 'society') : null;
  return fields;
}

export async function createSongwriter(tx: Tx, actor: Actor, draft: SongwriterDraft): Promise<Songwriter> {
  const fields = validSongwriterFields(draft);
  if (!fields.lastName) throw new InvalidInput('lastName must not be empty', draft.name != null ? 'name' : 'lastName');
  const songwriter = await withConstraintRules(
    () =>
      tx.songwriter.create({
        data: { publisherId: actor.publisherId, ...fields, lastName: fields.lastName!, createdBy: actor.userId, updatedBy: actor.userId },
      }),
    IPI_RULE,
  );
  await recordChange(tx, actor, {
    entityType: 'Songwriter',
    entityId: songwriter.id,
    action: 'songwriter.created',
    data: songwriterSnapshot(songwriter),
  });
  return songwriter;
}

export async function updateSongwriter(tx: Tx, actor: Actor, id: string, draft: SongwriterDraft): Promise<Songwriter> {
  const songwriterId = requireId(id, 'id', 'songwriter');
  const fields = validSongwriterFields(draft);
  const key = { publisherId_id: { publisherId: actor.publisherId, id: songwriterId } };
  if (!(await tx.songwriter.findUnique({ where: key, select: { id: true } }))) throw new NotFound('Songwriter', songwriterId);
  const songwriter = await withConstraintRules(
    () => tx.songwriter.update({ where: key, data: { ...fields, updatedBy: actor.userId } }),
    IPI_RULE,
  );
  await recordChange(tx, actor, {
    entityType: 'Songwriter',
    entityId: songwriterId,
    action: 'songwriter.updated',
    data: songwriterSnapshot(songwriter),
  });
  return songwriter;
}

/**
 * Shares would no longer add up, and clients would lose their works: a songwriter who writes
 * works stays (the foreign key from work_writers refuses it too).
 */
export async function deleteSongwriter(tx: Tx, actor: Actor, id: string): Promise<string> {
  const songwriterId = requireId(id, 'id', 'songwriter');
  const works = await tx.workWriter.count({ where: { publisherId: actor.publisherId, songwriterId } });
  if (works > 0) throw new InvalidInput(`This songwriter writes ${works} work(s); remove them from those works first`, 'id');
  const { count } = await withConstraintRules(
    () => tx.songwriter.deleteMany({ where: { publisherId: actor.publisherId, id: songwriterId } }),
    { work_writers_songwriter_fkey: { message: 'This songwriter was just added to a work; remove them from it first', field: 'id' } },
  );
  if (count === 0) throw new NotFound('Songwriter', songwriterId);
  await recordChange(tx, actor, {
    entityType: 'Songwriter',
    entityId: songwriterId,
    action: 'songwriter.deleted',
    data: { id: songwriterId },
  });
  return songwriterId;
}

/** One IPI name number is one person: a second songwriter with it is refused, naming the field. */
const IPI_RULE = {
  songwriters_ipi_name_number_key: { message: 'Another songwriter already has this IPI name number', field: 'ipiNameNumber' },
};

export type SongwriterSnapshotFields = Pick<
  Songwriter,
  'id' | 'name' | 'firstName' | 'lastName' | 'ipiNameNumber' | 'ipiBaseNumber' | 'society'
>;

/** A songwriter as its events carry it. */
export function songwriterSnapshot(s: SongwriterSnapshotFields): EventPayload<'songwriter.created'> {
  return {
    name: s.name,
    firstName: s.firstName,
    lastName: s.lastName,
    ipiNameNumber: s.ipiNameNumber,
    ipiBaseNumber: s.ipiBaseNumber,
    society: s.society,
  };
}
