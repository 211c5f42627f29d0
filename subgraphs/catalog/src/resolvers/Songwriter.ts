import type { SongwriterResolvers } from '../generated/resolvers-types';
import { SOCIETIES } from '../songwriters/societies';

export const Songwriter: SongwriterResolvers = {
  __resolveReference: ({ id }, ctx) => ctx.loaders.songwriter.load(id),
  ipi: (songwriter) => songwriter.ipiNameNumber,
  society: ({ society }) => (society ? { code: society, name: SOCIETIES[society] ?? society } : null),
  works: (songwriter, page, ctx) => ctx.loaders.worksOfSongwriter(page).load(songwriter.id),
};
