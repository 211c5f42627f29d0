// Operating the database: the embedded server, roles, migrations and the permission catalog.
export { migrate, type MigrateResult } from './migrate';
export { bootstrapDatabase, APP_GROUP_ROLE, type DatabaseRoles } from './bootstrap';
export { startEmbeddedPostgres, type EmbeddedCluster } from './embedded-postgres';
export { openDatabase, type DatabaseUrls, type RunningDatabase } from './local-database';
export { syncPermissionCatalog, type PermissionRow } from './permission-sync';
export { prepareSchema } from './prepare';
export { inTransaction } from './pg-transaction';
export { syncRoleTemplates, syncRoleTemplatesWith } from './role-template-sync';
export { renderDatabaseDoc } from './database-doc';
