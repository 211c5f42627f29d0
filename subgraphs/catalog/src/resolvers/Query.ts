import type { QueryResolvers } from '../generated/resolvers-types';
import { requireId } from '../identifiers';
import { listRecordings } from '../recordings/recordings';
import { listSongwriters } from '../songwriters/songwriters';
import { listWorks } from '../works/work-list';

export const Query: QueryResolvers = {
  works: (_, args, ctx) => ctx.act((tx, actor) => listWorks(tx, actor, args)),
  work: (_, { id }, ctx) => ctx.loaders.work.load(requireId(id, 'id', 'work')),
  songwriters: (_, args, ctx) => ctx.act((tx, actor) => listSongwriters(tx, actor, args)),
  songwriter: (_, { id }, ctx) => ctx.loaders.songwriter.load(requireId(id, 'id', 'songwriter')),
  recordings: (_, args, ctx) => ctx.act((tx, actor) => listRecordings(tx, actor, args)),
  recording: (_, { id }, ctx) => ctx.loaders.recording.load(requireId(id, 'id', 'recording')),
};
