import { PERMISSIONS } from '@platform/permissions';
import { migrate, type MigrateResult } from './migrate';
import { syncPermissionCatalog } from './permission-sync';
import { syncRoleTemplates } from './role-template-sync';

/** Brings a database to the newest schema, the current permission catalog and role templates. */
export async function prepareSchema(ownerUrl: string, log: (line: string) => void): Promise<MigrateResult> {
  const result = await migrate({ ownerUrl, log });
  await syncPermissionCatalog(ownerUrl, PERMISSIONS);
  log(`permission catalog: ${PERMISSIONS.length} permissions`);
  const publishers = await syncRoleTemplates(ownerUrl);
  log(`role templates: synced for ${publishers} publishers`);
  return result;
}
