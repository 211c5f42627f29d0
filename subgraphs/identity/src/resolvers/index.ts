import { DateTimeScalar } from '@platform/server';
import type { Resolvers } from '../generated/resolvers-types';
import { Mutation } from './Mutation';
import { Query } from './Query';

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query,
  Mutation,
  User: {
    __resolveReference: ({ id }, ctx) => ctx.loaders.user.load(id),
  },
};
