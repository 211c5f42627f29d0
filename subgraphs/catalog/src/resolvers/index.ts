import { DateTimeScalar } from '@platform/server';
import type { Resolvers } from '../generated/resolvers-types';
import { Recording, Songwriter } from './entities';
import { Mutation } from './Mutation';
import { Query } from './Query';
import { Work, WorkWriter } from './Work';

export const resolvers: Resolvers = { DateTime: DateTimeScalar, Query, Mutation, Work, WorkWriter, Songwriter, Recording };
