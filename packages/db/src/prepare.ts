import { PERMISSIONS, PLATFORM_ROLES } from '@platform/permissions';
import { migrate, type MigrateResult } from './migrate';
import { syncPermissionCatalog } from './permission-sync';
import { syncRoleTemplates } from './role-template-sync';

/** Brings a database to the newest schema, the current permission catalog and role templates. */
export async function prepareSchema(ownerUrl: string, log: (line: string) => void): Promise<MigrateResult> {
  const result = await migrate({ ownerUrl, log });
  await syncPermissionCatalog(ownerUrl, PERMISSIONS, PLATFORM_ROLES);
  log(`permission catalog: ${PERMISSIONS.length} permissions, ${PLATFORM_ROLES.length} platform roles`);
  const publishers = await syncRoleTemplates(ownerUrl);
  log(`role templates: synced for ${publishers} publishers`);
  return result;
}
