// What the services use. Operating the database (embedded server, roles, migrations) is in
// './admin', so that no service process loads those.
export { createPrismaClient, disconnectPrismaClient, type PrismaClient } from './client';
export { ScopedDatabase, POOL_WAIT_MS, continueInPublisher, isUuid, type AccessScope, type InScope, type Tx } from './scoped-database';
export { RuleViolation, withConstraintRules } from './rule-violation';
export { withUnnamedStatements } from './unnamed-statements';
export { syncTemplatesOf, type TemplateSql } from './role-templates';
export { OWNER_PATHS, TABLE_OWNERS, type TableOwner } from './table-owners';
export { Prisma } from '../generated/prisma/client';
export type { SubscriptionStatus } from '../generated/prisma/enums';
export type {
  Account,
  AuditLogEntry,
  Directory,
  Invitation,
  Membership,
  MembershipRole,
  OutboxEvent,
  Permission,
  Plan,
  PlatformAuditEntry,
  Publisher,
  PublisherOffboarding,
  Recording,
  Role,
  RolePermission,
  Songwriter,
  User,
  UserSession,
  Work,
  WorkRecording,
  WorkWriter,
} from '../generated/prisma/client';
