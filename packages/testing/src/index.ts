export { freePort } from './free-port';
export { createDemoDatabase, createPlatformDatabase, startTestCluster, type TestCluster } from './test-database';
export { startPlatform, type PlatformOptions, type RunningPlatform } from './platform';
export { serviceConfigForTests } from './service-config';
export {
  auditTrailOf,
  codesOf,
  graphql,
  login,
  LOGIN,
  type GraphQLResponse,
  operation,
  type Operation,
  type Session,
} from './graphql-client';
export { startOwnPlatform, type OwnPlatform } from './own-platform';
export { MemoryMailer } from './memory-mailer';
export { SAMBA_PACKAGES, startSambaDc, type SambaDc, type SambaDcOptions } from './samba-dc';
export {
  addDirectoryGroup,
  addDirectoryUser,
  addGroupMember,
  ensureOrganizationalUnit,
  failBinds,
  removeGroupMember,
  replace as replaceDirectoryAttribute,
  setDomainPolicy,
  setUserDisabled,
  type DirectoryUserSpec,
} from './directory-fixtures';
export { runCommand } from './commands';
export { inScopeAs } from './in-scope';
export { startSqsProcess, type SqsProcess } from './sqs-process';
export { startPgBouncer, type PgBouncer } from './pgbouncer';
export { SERVICES, startServiceProcess, startServiceProcesses, type ServiceName, type ServiceProcesses } from './service-processes';
export { LEGACY_TABLES, legacyChecksumQuery, loadLegacyCatalog, type LegacyCatalogSize, type LegacyTable } from './legacy-catalog';
