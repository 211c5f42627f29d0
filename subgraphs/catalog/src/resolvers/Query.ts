import { actorOf } from '@platform/access';
import type { QueryResolvers } from '../generated/resolvers-types';
import { requireId } from '../identifiers';
import { listRecordings } from '../recordings/recordings';
import { listSongwriters } from '../songwriters/songwriters';
import { listWorks } from '../works/work-list';

export const Query: QueryResolvers = {
  works: (_, args, ctx) => ctx.read((tx) => listWorks(tx, actorOf(ctx), args)),
  work: (_, { id }, ctx) => ctx.loaders.work.load(requireId(id, 'id', 'work')),
  songwriters: (_, args, ctx) => ctx.read((tx) => listSongwriters(tx, actorOf(ctx), args)),
  songwriter: (_, { id }, ctx) => ctx.loaders.songwriter.load(requireId(id, 'id', 'songwriter')),
  recordings: (_, args, ctx) => ctx.read((tx) => listRecordings(tx, actorOf(ctx), args)),
  recording: (_, { id }, ctx) => ctx.loaders.recording.load(requireId(id, 'id', 'recording')),
};
