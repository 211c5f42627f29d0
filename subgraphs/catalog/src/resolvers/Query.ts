import type { QueryResolvers } from '../generated/resolvers-types';
import { requireId } from '../services/identifiers';
import { listRecordings } from '../services/recordings';
import { listSongwriters } from '../services/songwriters';
import { listWorks } from '../services/works';

export const Query: QueryResolvers = {
  works: (_, args, ctx) => listWorks(ctx, args),
  work: (_, { id }, ctx) => ctx.loaders.work.load(requireId(id, 'id', 'work')),
  songwriters: (_, args, ctx) => listSongwriters(ctx, args),
  songwriter: (_, { id }, ctx) => ctx.loaders.songwriter.load(requireId(id, 'id', 'songwriter')),
  recordings: (_, args, ctx) => listRecordings(ctx, args),
  recording: (_, { id }, ctx) => ctx.loaders.recording.load(requireId(id, 'id', 'recording')),
};
