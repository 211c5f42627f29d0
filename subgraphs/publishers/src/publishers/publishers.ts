import type { Actor } from '@platform/auth';
import { isUuid, type Prisma, type Publisher, type Tx } from '@platform/db';
import { InvalidInput, NotPermitted } from '@platform/errors';
import { recordChange } from '@platform/events';
import type { MembershipModel } from '../models';
import { withPermissions } from '../roles/grants';

/** The publishers the caller may enter, whatever the active one: as a member, or through a role in their account. */
export function publishersOfCaller(tx: Tx, actor: Actor): Promise<Publisher[]> {
  return tx.publisher.findMany({ where: enterableBy(actor.userId), orderBy: { slug: 'asc' } });
}

function enterableBy(userId: string): Prisma.PublisherWhereInput {
  return { OR: [{ memberships: { some: { userId } } }, { account: { members: { some: { userId } } } }] };
}

export function findPublisher(tx: Tx, actor: Actor, by: { id?: string | null; slug?: string | null }): Promise<Publisher | null> {
  if ((by.id == null) === (by.slug == null)) throw new InvalidInput('Give exactly one of id or slug');
  if (by.id != null && !isUuid(by.id)) throw new InvalidInput('id is not a valid publisher id', 'id');
  const where = by.id != null ? { id: by.id.toLowerCase() } : { slug: (by.slug ?? '').trim().toLowerCase() };
  return tx.publisher.findFirst({ where: { ...where, ...enterableBy(actor.userId) } });
}

export async function membershipsOfCaller(tx: Tx, actor: Actor): Promise<MembershipModel[]> {
  const rows = await tx.membership.findMany({
    where: { userId: actor.userId },
    include: { publisher: true, roles: { include: { role: { include: withPermissions } }, orderBy: { role: { key: 'asc' } } } },
    orderBy: { publisher: { slug: 'asc' } },
  });
  return rows.map((m) => ({ publisher: m.publisher, status: m.status, roles: m.roles.map((r) => r.role) }));
}

export async function updatePublisher(tx: Tx, actor: Actor, input: { name?: string | null; settings?: unknown }): Promise<Publisher> {
  const changes: Prisma.PublisherUpdateInput = { updatedAt: new Date() };
  if (input.name != null) changes.name = validName(input.name, 'name');
  if (input.settings !== undefined) {
    if (typeof input.settings !== 'object' || input.settings === null || Array.isArray(input.settings))
      throw new InvalidInput('settings must be a JSON object', 'settings');
    if (JSON.stringify(input.settings).length > 16_000) throw new InvalidInput('settings must be at most 16 kB of JSON', 'settings');
    changes.settings = input.settings as Prisma.InputJsonObject;
  }
  const publisher = await tx.publisher.update({ where: { id: actor.publisherId }, data: changes });
  await recordChange(tx, actor, {
    entityType: 'Publisher',
    entityId: publisher.id,
    action: 'publisher.updated',
    data: { name: publisher.name },
  });
  return publisher;
}

/** A publisher's or an account's name: 1 to 120 characters once trimmed. */
export function validName(raw: string, field: string): string {
  const name = raw.trim();
  if (!name || name.length > 120) throw new InvalidInput(`${field} must be 1 to 120 characters`, field);
  return name;
}

/**
 * Settings and billing answer for the active publisher only: the permission that guards them
 * was granted there, and a member's other publishers are listed beside it.
 */
export function requireActivePublisher(actor: Actor, publisherId: string): void {
  if (actor.publisherId !== publisherId) {
    throw new NotPermitted('Switch to this publisher (switchPublisher) to see its settings and billing');
  }
}
