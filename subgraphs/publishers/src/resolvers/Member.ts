import type { MemberResolvers } from '../generated/resolvers-types';

export const Member: MemberResolvers = {
  user: (member) => ({ id: member.userId }),
};
