export { createPrismaClient, type PrismaClient } from './client';
export { ScopedDatabase, isUuid, type AccessScope, type Tx } from './scoped-database';
export { migrate, MIGRATIONS_DIR, type MigrateResult } from './migrate';
export { bootstrapDatabase, APP_GROUP_ROLE, type DatabaseRoles } from './bootstrap';
export { startEmbeddedPostgres, type EmbeddedCluster } from './embedded-postgres';
export { openDatabase, defaultDataDir, type DatabaseUrls, type RunningDatabase } from './local-database';
export { syncPermissionCatalog, type PermissionRow } from './permission-sync';
export { Prisma } from '../generated/prisma/client';
export type {
  Account,
  AuditLogEntry,
  Membership,
  MembershipRole,
  OutboxEvent,
  Permission,
  Publisher,
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
export { prepareSchema } from './prepare';
