import { assertMayGrant } from '@platform/access';
import { issuePartnerKey, type Actor } from '@platform/auth';
import { isUuid, type Prisma, type Tx } from '@platform/db';
import { InvalidInput, NotFound } from '@platform/errors';
import { recordChange, type ChangeEvent } from '@platform/events';
import { isPublisherPermission } from '@platform/permissions';
import { requirePlanFeature } from '@platform/publishers/plans';

export type PersistedQueryMode = 'AUDIT' | 'ENFORCE';

export interface CreatePartnerClientInput {
  name: string;
  permissions: string[];
  expiresAt?: Date | null;
  mode?: PersistedQueryMode | null;
}

export interface PartnerClientModel {
  id: string;
  publisherId: string;
  name: string;
  permissions: string[];
  mode: PersistedQueryMode;
  keyHint: string;
  expiresAt: Date | null;
  createdAt: Date;
  createdBy: string;
  keyRotatedAt: Date | null;
  revokedAt: Date | null;
}

const NAME_MAX = 100;
/** Far enough for any contract; a key that must outlive it is rotated. */
const LONGEST_VALIDITY_DAYS = 730;

/** The columns a client is answered with; never the key's hash. */
const CLIENT_FIELDS = {
  id: true,
  publisherId: true,
  name: true,
  permissions: true,
  mode: true,
  keyHint: true,
  expiresAt: true,
  createdAt: true,
  createdBy: true,
  keyRotatedAt: true,
  revokedAt: true,
} as const;

/**
 * A partner client of the actor's publisher and its key, shown once. It may be given only
 * permissions the actor holds; a name is unique in the publisher (checked under a lock, so two
 * requests at once cannot both take it).
 */
export async function createPartnerClient(
  tx: Tx,
  actor: Actor,
  input: CreatePartnerClientInput,
): Promise<{ client: PartnerClientModel; apiKey: string }> {
  const name = input.name.trim();
  if (!name) throw new InvalidInput('name must not be empty', 'name');
  if (name.length > NAME_MAX) throw new InvalidInput(`name must be at most ${NAME_MAX} characters`, 'name');
  const permissions = [...new Set(input.permissions)].sort();
  if (permissions.length === 0) throw new InvalidInput('permissions must name at least one permission', 'permissions');
  const unknown = permissions.filter((p) => !isPublisherPermission(p));
  if (unknown.length) throw new InvalidInput(`Unknown permission ${unknown.map((p) => `"${p}"`).join(', ')}`, 'permissions');
  if (permissions.includes('partner:manage')) {
    throw new InvalidInput('A partner key cannot be given "partner:manage": keys are issued by people', 'permissions');
  }
  assertMayGrant(actor, permissions);
  const expiresAt = input.expiresAt ?? null;
  if (expiresAt && expiresAt.getTime() <= Date.now()) throw new InvalidInput('expiresAt must be in the future', 'expiresAt');
  if (expiresAt && expiresAt.getTime() > Date.now() + LONGEST_VALIDITY_DAYS * 86_400_000) {
    throw new InvalidInput(`expiresAt must be within ${LONGEST_VALIDITY_DAYS} days`, 'expiresAt');
  }
  // The plan's limit on live clients is the database's, counted at commit across the account.
  await requirePlanFeature(tx, actor.publisherId, 'partner_api');
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('partner-clients:' || ${actor.publisherId}))`;
  const taken = await tx.partnerClient.findFirst({ where: { publisherId: actor.publisherId, name }, select: { id: true } });
  if (taken) throw new InvalidInput(`A partner client named "${name}" exists already`, 'name');
  const id = crypto.randomUUID();
  const issued = issuePartnerKey(id);
  const client = await tx.partnerClient.create({
    data: {
      publisherId: actor.publisherId,
      id,
      name,
      permissions,
      keyHash: new Uint8Array(issued.hash),
      keyHint: issued.hint,
      mode: input.mode ?? 'ENFORCE',
      expiresAt,
      createdBy: actor.userId,
    },
    select: CLIENT_FIELDS,
  });
  await recordChange(tx, actor, {
    entityType: 'partner_client',
    entityId: id,
    action: 'partner_client.created',
    data: { name, permissions, mode: client.mode, expiresAt: expiresAt?.toISOString() ?? null },
  });
  return { client, apiKey: issued.key };
}

/** A new key for a client that is not revoked; the old key stops working at once. */
export async function rotatePartnerKey(tx: Tx, actor: Actor, id: string): Promise<{ client: PartnerClientModel; apiKey: string }> {
  const current = await clientOf(tx, actor, id);
  if (current.revokedAt) throw new InvalidInput('This partner client is revoked; create a new one', 'id');
  const issued = issuePartnerKey(id);
  const data = { keyHash: new Uint8Array(issued.hash), keyHint: issued.hint, keyRotatedAt: new Date() };
  const client = await changeClient(tx, actor, id, data, (name) => ({ action: 'partner_client.key_rotated', data: { name } }));
  return { client, apiKey: issued.key };
}

/** Ends a client's access for good; revoking it again changes nothing. */
export async function revokePartnerClient(tx: Tx, actor: Actor, id: string): Promise<PartnerClientModel> {
  const current = await clientOf(tx, actor, id);
  if (current.revokedAt) return current;
  return changeClient(tx, actor, id, { revokedAt: new Date() }, (name) => ({ action: 'partner_client.revoked', data: { name } }));
}

export async function setPartnerClientMode(tx: Tx, actor: Actor, id: string, mode: PersistedQueryMode): Promise<PartnerClientModel> {
  const current = await clientOf(tx, actor, id);
  if (current.mode === mode) return current;
  return changeClient(tx, actor, id, { mode }, (name) => ({
    action: 'partner_client.mode_changed',
    data: { name, from: current.mode, to: mode },
  }));
}

/** Updates a client of the actor's publisher and records the change, which names the client. */
async function changeClient(
  tx: Tx,
  actor: Actor,
  id: string,
  data: Prisma.PartnerClientUpdateInput,
  change: (name: string) => ChangeEvent<'partner_client.key_rotated' | 'partner_client.revoked' | 'partner_client.mode_changed'>,
): Promise<PartnerClientModel> {
  const client = await tx.partnerClient.update({
    where: { publisherId_id: { publisherId: actor.publisherId, id } },
    data,
    select: CLIENT_FIELDS,
  });
  await recordChange(tx, actor, { entityType: 'partner_client', entityId: id, ...change(client.name) });
  return client;
}

export function partnerClientsOf(tx: Tx, actor: Actor): Promise<PartnerClientModel[]> {
  return tx.partnerClient.findMany({ where: { publisherId: actor.publisherId }, select: CLIENT_FIELDS, orderBy: { createdAt: 'asc' } });
}

export interface OperationUsage {
  operation: string;
  calls: number;
  errors: number;
  averageMs: number;
  maxMs: number;
}

export interface ClientUsage {
  lastUsedAt: Date | null;
  operations: OperationUsage[];
}

/** What the gateway counted for each client today and yesterday (UTC), per operation: two queries for all of them. */
export async function usageOfClients(tx: Tx, clientIds: readonly string[]): Promise<Map<string, ClientUsage>> {
  const yesterday = new Date(Date.now() - 86_400_000);
  yesterday.setUTCHours(0, 0, 0, 0);
  const [rows, last] = await Promise.all([
    tx.apiUsage.groupBy({
      by: ['partnerClientId', 'operation'],
      where: { partnerClientId: { in: [...clientIds] }, day: { gte: yesterday } },
      _sum: { calls: true, errors: true, totalMs: true },
      _max: { maxMs: true },
      orderBy: [{ partnerClientId: 'asc' }, { operation: 'asc' }],
    }),
    tx.apiUsage.groupBy({ by: ['partnerClientId'], where: { partnerClientId: { in: [...clientIds] } }, _max: { lastCallAt: true } }),
  ]);
  const usage = new Map<string, ClientUsage>(clientIds.map((id) => [id, { lastUsedAt: null, operations: [] }]));
  for (const r of last) usage.get(r.partnerClientId!)!.lastUsedAt = r._max.lastCallAt;
  for (const r of rows) {
    const calls = Number(r._sum.calls ?? 0);
    usage.get(r.partnerClientId!)!.operations.push({
      operation: r.operation,
      calls,
      errors: Number(r._sum.errors ?? 0),
      averageMs: calls ? (r._sum.totalMs ?? 0) / calls : 0,
      maxMs: r._max.maxMs ?? 0,
    });
  }
  return usage;
}

/** Another publisher's client is NOT_FOUND, like one that never was. */
async function clientOf(tx: Tx, actor: Actor, id: string): Promise<PartnerClientModel> {
  if (!isUuid(id)) throw new NotFound('Partner client');
  const client = await tx.partnerClient.findUnique({
    where: { publisherId_id: { publisherId: actor.publisherId, id } },
    select: CLIENT_FIELDS,
  });
  if (!client) throw new NotFound('Partner client', id);
  return client;
}
