import { DateTimeScalar } from '@platform/graphql-edge';
import type { Resolvers } from '../generated/resolvers-types';
import { Mutation } from './Mutation';
import { PartnerClient } from './PartnerClient';
import { Query } from './Query';
import { SecurityEvent, SecurityOverview } from './SecurityOverview';
import { User } from './User';

export const resolvers: Resolvers = { DateTime: DateTimeScalar, Query, Mutation, User, PartnerClient, SecurityOverview, SecurityEvent };
