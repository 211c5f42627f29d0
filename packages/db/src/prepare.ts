import { PERMISSIONS } from '@platform/permissions';
import { migrate, type MigrateResult } from './migrate';
import { syncPermissionCatalog } from './permission-sync';

/** Brings a database to the newest schema and the current permission catalog. */
export async function prepareSchema(ownerUrl: string, log: (line: string) => void): Promise<MigrateResult> {
  const result = await migrate({ ownerUrl, log });
  await syncPermissionCatalog(ownerUrl, PERMISSIONS);
  log(`permission catalog: ${PERMISSIONS.length} permissions`);
  return result;
}
