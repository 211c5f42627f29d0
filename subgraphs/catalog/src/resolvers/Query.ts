import { actorOf } from '@platform/access';
import type { QueryResolvers } from '../generated/resolvers-types';
import { requireId } from '../identifiers';
import { selects } from '../selection';
import { listRecordings } from '../recordings/recordings';
import { listSongwriters } from '../songwriters/songwriters';
import { listWorks } from '../works/work-list';

export const Query: QueryResolvers = {
  works: async (_, args, ctx, info) => {
    // A page whose works show their writers (or whether they are controlled) carries the writer
    // lines in its own statement; the loader then has them and asks nothing more.
    const withWriters = selects(info, ['edges', 'node', ['writers', 'controlled']]);
    const page = await ctx.read((tx) => listWorks(tx, actorOf(ctx), args, { withWriters }));
    for (const [workId, lines] of page.writers ?? []) ctx.loaders.writersOfWork.prime(workId, lines);
    return page.connection;
  },
  work: (_, { id }, ctx) => ctx.loaders.work.load(requireId(id, 'id', 'work')),
  songwriters: (_, args, ctx) => ctx.read((tx) => listSongwriters(tx, actorOf(ctx), args)),
  songwriter: (_, { id }, ctx) => ctx.loaders.songwriter.load(requireId(id, 'id', 'songwriter')),
  recordings: (_, args, ctx) => ctx.read((tx) => listRecordings(tx, actorOf(ctx), args)),
  recording: (_, { id }, ctx) => ctx.loaders.recording.load(requireId(id, 'id', 'recording')),
};
