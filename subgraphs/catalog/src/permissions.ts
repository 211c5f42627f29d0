import { and, or, rule } from 'graphql-shield';
import type { Work } from '@platform/db';
import { can, entitiesRule, isMember, type IRules } from '@platform/access';
import { forbidden } from '@platform/graphql-edge';
import type { CatalogContext } from './context';

/**
 * A platform's client sees only works their songwriter wrote: checked once per work per request
 * (ctx.ownWorkChecks), on top of the same restriction in row-level security. Everyone else
 * passes at once; shield's own per-object cache would hash the whole work for every field.
 */
const isOwnWorkIfRestricted = rule('own-work-if-restricted', { cache: 'no_cache' })((work: Work, _args, ctx: CatalogContext) => {
  const songwriterId = ctx.ownWorksOf;
  if (!songwriterId) return true;
  let check = ctx.ownWorkChecks.get(work.id);
  if (!check) {
    check = ctx.loaders.writersOfWork.load(work.id).then((writers) => writers.some((w) => w.songwriterId === songwriterId));
    ctx.ownWorkChecks.set(work.id, check);
  }
  return check.then((own) => own || forbidden('You can only see works you wrote'));
});

const readableWork = and(can('work:read'), isOwnWorkIfRestricted);

/**
 * Who may reach what in the catalog subgraph. Anything not named here is denied. Entity types
 * carry the same permission as their root fields, so `_entities` is no side door.
 */
export const catalogRules: IRules = {
  Query: {
    works: can('work:read'),
    work: can('work:read'),
    songwriters: can('songwriter:read'),
    songwriter: can('songwriter:read'),
    recordings: can('recording:read'),
    recording: can('recording:read'),
    _entities: entitiesRule({ Work: 'work:read', Songwriter: 'songwriter:read', Recording: 'recording:read' }),
  },
  Mutation: {
    createWork: can('work:write'),
    updateWork: can('work:write'),
    deleteWork: can('work:delete'),
    importWorks: can('work:import'),
    createSongwriter: can('songwriter:write'),
    updateSongwriter: can('songwriter:write'),
    deleteSongwriter: can('songwriter:write'),
    createRecording: can('recording:write'),
    updateRecording: can('recording:write'),
    deleteRecording: can('recording:write'),
  },
  Work: readableWork,
  WorkWriter: can('work:read'),
  // The writers of a readable work are visible through it; listing them all needs songwriter:read.
  Songwriter: or(can('songwriter:read'), can('work:read')),
  Recording: can('recording:read'),
  PerformingRightsSociety: isMember,
  WorkImport: isMember,
  ImportRejection: isMember,
  Publisher: isMember,
  User: isMember,
  WorkConnection: isMember,
  WorkEdge: isMember,
  SongwriterConnection: isMember,
  SongwriterEdge: isMember,
  RecordingConnection: isMember,
  RecordingEdge: isMember,
  PageInfo: isMember,
};
