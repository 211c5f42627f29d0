import { createHash } from 'node:crypto';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import type { Tx } from '@platform/db';
import { InvalidInput } from '@platform/errors';
import { recordChange } from '@platform/events';
import { requirePlanFeature } from '@platform/publishers/plans';

/** Apollo's persisted query manifest, as `@apollo/generate-persisted-query-manifest` writes it. */
export interface PersistedQueryManifest {
  format: string;
  version: number;
  operations: { id: string; name: string; type: string; body: string }[];
}

const MAX_OPERATIONS = 2_000;
const MAX_BODY = 100_000;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Checks a manifest whole before anything is stored: its format, and each operation's id, name,
 * type and body. An id in the generator's default form (SHA-256 of the body) must be that hash,
 * so a body edited after generation is refused. The message names the operation at fault.
 */
export function checkManifest(manifest: PersistedQueryManifest): PersistedQueryManifest['operations'] {
  if (manifest.format !== 'apollo-persisted-query-manifest') {
    throw new InvalidInput('format must be "apollo-persisted-query-manifest"', 'manifest.format');
  }
  if (manifest.version !== 1) throw new InvalidInput('Only version 1 manifests are understood', 'manifest.version');
  const { operations } = manifest;
  if (operations.length === 0) throw new InvalidInput('The manifest lists no operations', 'manifest.operations');
  if (operations.length > MAX_OPERATIONS)
    throw new InvalidInput(`A manifest holds at most ${MAX_OPERATIONS} operations`, 'manifest.operations');
  const ids = new Set<string>();
  for (const [index, op] of operations.entries()) {
    const where = `operations[${index}] (${op.name || op.id})`;
    if (!op.id || op.id.length > 128) throw new InvalidInput(`${where}: id must be 1 to 128 characters`, 'manifest.operations');
    if (ids.has(op.id)) throw new InvalidInput(`${where}: id ${op.id} appears twice`, 'manifest.operations');
    ids.add(op.id);
    if (op.body.length > MAX_BODY) throw new InvalidInput(`${where}: body is over ${MAX_BODY} characters`, 'manifest.operations');
    if (SHA256_HEX.test(op.id) && createHash('sha256').update(op.body).digest('hex') !== op.id) {
      throw new InvalidInput(`${where}: the body does not hash to its id; regenerate the manifest`, 'manifest.operations');
    }
    let definitions: OperationDefinitionNode[];
    try {
      definitions = parse(op.body).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    } catch (error) {
      throw new InvalidInput(`${where}: the body is not GraphQL (${(error as Error).message})`, 'manifest.operations');
    }
    const [operation] = definitions;
    if (definitions.length !== 1 || !operation)
      throw new InvalidInput(`${where}: the body must hold exactly one operation`, 'manifest.operations');
    if (operation.name?.value !== op.name)
      throw new InvalidInput(`${where}: the body's operation is not named ${op.name}`, 'manifest.operations');
    if (operation.operation !== op.type)
      throw new InvalidInput(`${where}: the body is a ${operation.operation}, not a ${op.type}`, 'manifest.operations');
  }
  return operations;
}

/**
 * Registers a manifest as the next version of a publisher's list (or of the global one, for
 * `publisherId` null). Versions are numbered under a lock, so two registrations at once get two
 * versions; the newest is in force for every gateway within about a second.
 */
export async function registerPersistedQueries(
  tx: Tx,
  actor: { userId: string | null; publisherId: string | null },
  manifest: PersistedQueryManifest,
): Promise<{ version: number; operations: number; added: number; removed: number }> {
  const operations = checkManifest(manifest);
  const scope = actor.publisherId ?? 'global';
  if (actor.publisherId) await requirePlanFeature(tx, actor.publisherId, 'partner_api');
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('persisted-queries:' || ${scope}))`;
  const previous = await tx.persistedQueryList.findFirst({
    where: { publisherId: actor.publisherId },
    orderBy: { version: 'desc' },
    select: { id: true, version: true },
  });
  const previousIds = previous
    ? new Set(
        (await tx.persistedQuery.findMany({ where: { listId: previous.id }, select: { operationId: true } })).map((q) => q.operationId),
      )
    : new Set<string>();
  const listId = crypto.randomUUID();
  const version = (previous?.version ?? 0) + 1;
  await tx.persistedQueryList.create({ data: { id: listId, publisherId: actor.publisherId, version, registeredBy: actor.userId } });
  await tx.persistedQuery.createMany({
    data: operations.map((op) => ({
      listId,
      publisherId: actor.publisherId,
      operationId: op.id,
      name: op.name,
      type: op.type,
      body: op.body,
    })),
  });
  const added = operations.filter((op) => !previousIds.has(op.id)).length;
  const removed = previousIds.size - (operations.length - added);
  if (actor.publisherId) {
    await recordChange(
      tx,
      { userId: actor.userId, publisherId: actor.publisherId },
      {
        entityType: 'persisted_query_list',
        entityId: listId,
        action: 'persisted_queries.registered',
        data: { version, operations: operations.length, added, removed },
      },
    );
  }
  return { version, operations: operations.length, added, removed };
}

export interface PersistedQueryListModel {
  version: number | null;
  registeredAt: Date | null;
  operations: { id: string; name: string; type: string }[];
  globalVersion: number | null;
  globalOperations: { id: string; name: string; type: string }[];
}

/** The lists in force for the scope's publisher: its own newest and the global newest. */
export async function persistedQueriesInForce(tx: Tx, publisherId: string): Promise<PersistedQueryListModel> {
  const [own, global] = await Promise.all([newestList(tx, publisherId), newestList(tx, null)]);
  return {
    version: own?.version ?? null,
    registeredAt: own?.registeredAt ?? null,
    operations: own?.operations ?? [],
    globalVersion: global?.version ?? null,
    globalOperations: global?.operations ?? [],
  };
}

async function newestList(tx: Tx, publisherId: string | null) {
  const list = await tx.persistedQueryList.findFirst({ where: { publisherId }, orderBy: { version: 'desc' } });
  if (!list) return null;
  const operations = await tx.persistedQuery.findMany({
    where: { listId: list.id },
    select: { operationId: true, name: true, type: true },
    orderBy: { name: 'asc' },
  });
  return { ...list, operations: operations.map((o) => ({ id: o.operationId, name: o.name, type: o.type })) };
}
