import type { WorkWriterResolvers } from '../generated/resolvers-types';
import type { WriterRole } from '../works/shares';

export const WorkWriter: WorkWriterResolvers = {
  songwriter: async (row, _, ctx) => {
    // The composite foreign key keeps a writer inside the work's publisher, so it is visible.
    const songwriter = await ctx.loaders.songwriter.load(row.songwriterId);
    if (!songwriter) throw new Error(`Songwriter ${row.songwriterId} of work ${row.workId} is not visible`);
    return songwriter;
  },
  role: (row) => row.role as WriterRole,
  share: (row) => row.share.toFixed(2),
};
