import type { WorkWriterResolvers } from '../generated/resolvers-types';

export const WorkWriter: WorkWriterResolvers = {
  songwriter: async (row, _, ctx) => {
    // The composite foreign key keeps a writer inside the work's publisher, so it is visible.
    const songwriter = await ctx.loaders.songwriter.load(row.songwriterId);
    if (!songwriter) throw new Error(`Songwriter ${row.songwriterId} of work ${row.workId} is not visible`);
    return songwriter;
  },
  share: (row) => row.share.toNumber(),
};
