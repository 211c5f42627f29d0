import { can, entitiesRule, isMember, type IRules } from '@platform/server';

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
  },
  Work: can('work:read'),
  WorkWriter: can('work:read'),
  Songwriter: can('songwriter:read'),
  Recording: can('recording:read'),
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
