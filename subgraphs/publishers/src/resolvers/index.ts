import { DateTimeScalar, JSONScalar } from '@platform/server';
import type { Resolvers } from '../generated/resolvers-types';
import { Mutation } from './Mutation';
import { Query } from './Query';
import { AuditEntry, Member, Publisher, Role, User } from './types';

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  JSON: JSONScalar,
  Query,
  Mutation,
  Publisher,
  User,
  Role,
  Member,
  AuditEntry,
};
