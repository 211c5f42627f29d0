import { DateTimeScalar, JSONScalar } from '@platform/graphql-edge';
import type { Resolvers } from '../generated/resolvers-types';
import { Mutation } from './Mutation';
import { Query } from './Query';
import { Account } from './Account';
import { AccountAdministrator } from './AccountAdministrator';
import { AuditEntry } from './AuditEntry';
import { Member } from './Member';
import { Plan } from './Plan';
import { PlatformAccount } from './PlatformAccount';
import { PlatformAuditEntry } from './PlatformAuditEntry';
import { PlatformPublisher } from './PlatformPublisher';
import { Publisher } from './Publisher';
import { Role } from './Role';
import { User } from './User';

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
  Account,
  AccountAdministrator,
  Plan,
  PlatformPublisher,
  PlatformAccount,
  PlatformAuditEntry,
};
