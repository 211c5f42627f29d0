import type { Actor } from '@platform/auth';
import type { Tx } from '@platform/db';
import { InvalidInput, NotFound } from '@platform/errors';
import type { IdentityServices } from '../context';
import { testConnection, type TestStep } from './connection-test';
import { checkedConnection, connectionOf, type DirectoryInput } from './directory-settings';
import { syncDirectory, type SyncMode, type SyncResult } from './directory-sync';

type Act = <T>(work: (tx: Tx, actor: Actor) => Promise<T>) => Promise<T>;

/** Tests the stored connection, or the one `input` describes (with the stored password when it gives none). */
export async function testDirectory(
  services: IdentityServices,
  act: Act,
  input: DirectoryInput | null,
): Promise<{ ok: boolean; steps: TestStep[] }> {
  const { directories } = services;
  const { connection, groupDns } = await act(async (tx, actor) => {
    const stored = await connectionOf(tx, directories.secrets, actor.publisherId);
    if (!input) {
      if (!stored) throw new NotFound('Directory');
      const mappings = await tx.directoryGroupMapping.findMany({ where: { publisherId: actor.publisherId } });
      return { connection: stored.connection, groupDns: [...new Set(mappings.map((m) => m.groupDn))] };
    }
    const password = input.bindPassword || stored?.connection.bindPassword;
    if (!password) throw new InvalidInput('bindPassword is required: no directory is stored yet', 'bindPassword');
    return {
      connection: checkedConnection(actor.publisherId, input, password, { production: directories.production }),
      groupDns: [...new Set(input.groupMappings.map((m) => m.groupDn.trim()))],
    };
  });
  const steps = await testConnection(directories.clients, connection, groupDns);
  return { ok: steps.every((s) => s.ok), steps };
}

/** A sync asked for through the API: refused while another sync of the same directory runs. */
export async function syncDirectoryNow(services: IdentityServices, publisherId: string, mode: SyncMode): Promise<SyncResult> {
  const result = await syncDirectory(services.db, services.directories, publisherId, mode, (line) =>
    services.log.info({ event: 'directory.sync', publisherId }, line),
  );
  if (!result) throw new InvalidInput('A sync of this directory is running already; its result will show in directory.lastSync', 'mode');
  return result;
}
