import { DateTimeScalar } from '@platform/graphql-edge';
import type { Resolvers } from '../generated/resolvers-types';
import { DateScalar, DecimalScalar } from '../scalars';
import { Mutation } from './Mutation';
import { Query } from './Query';
import { Recording } from './Recording';
import { Songwriter } from './Songwriter';
import { Work } from './Work';
import { WorkWriter } from './WorkWriter';

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Date: DateScalar,
  Decimal: DecimalScalar,
  Query,
  Mutation,
  Work,
  WorkWriter,
  Songwriter,
  Recording,
};
