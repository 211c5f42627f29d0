import { recordChange } from '@platform/events';
import type { Account, Prisma, Publisher, Tx } from '@platform/db';
import { badUserInput, forbidden, requirePrincipal, type RequestContext } from '@platform/server';

export async function updatePublisher(ctx: RequestContext, input: { name?: string | null; settings?: unknown }): Promise<Publisher> {
  const principal = requirePrincipal(ctx);
  const changes: Prisma.PublisherUpdateInput = { updatedAt: new Date() };
  if (input.name != null) {
    const name = input.name.trim();
    if (!name || name.length > 120) throw badUserInput('name must be 1 to 120 characters', 'name');
    changes.name = name;
  }
  if (input.settings !== undefined) {
    if (typeof input.settings !== 'object' || input.settings === null || Array.isArray(input.settings))
      throw badUserInput('settings must be a JSON object', 'settings');
    if (JSON.stringify(input.settings).length > 16_000) throw badUserInput('settings must be at most 16 kB of JSON', 'settings');
    changes.settings = input.settings as Prisma.InputJsonObject;
  }
  return ctx.inScope(async (tx) => {
    const publisher = await tx.publisher.update({ where: { id: principal.publisherId }, data: changes });
    await recordChange(tx, principal, {
      entityType: 'Publisher',
      entityId: publisher.id,
      action: 'publisher.updated',
      data: { name: publisher.name },
    });
    return publisher;
  });
}

/**
 * Settings and billing answer for the active publisher only: the permission that guards them
 * was granted there, and a member's other publishers are listed beside it.
 */
export function requireActivePublisher(ctx: RequestContext, publisherId: string): void {
  if (requirePrincipal(ctx).publisherId !== publisherId) {
    throw forbidden('Switch to this publisher (switchPublisher) to see its settings and billing');
  }
}

export async function accountOfPublisher(ctx: RequestContext, publisherId: string): Promise<Account & { seatsUsed: number }> {
  requireActivePublisher(ctx, publisherId);
  return ctx.inScope(async (tx) => {
    const { account } = await tx.publisher.findUniqueOrThrow({ where: { id: publisherId }, select: { account: true } });
    return { ...account, seatsUsed: await seatsUsed(tx, publisherId) };
  });
}

/**
 * Active members and open invitations of the active publisher (the others of the account are
 * outside its scope), counted by the same database function that enforces the limit.
 */
async function seatsUsed(tx: Tx, publisherId: string): Promise<number> {
  const rows = await tx.$queryRaw<{ used: number }[]>`SELECT app_seats_used(${publisherId}::uuid) AS used`;
  return rows[0]!.used;
}

export async function updateBilling(
  ctx: RequestContext,
  input: { plan?: string | null; seatLimit?: number | null },
): Promise<Account & { seatsUsed: number }> {
  const principal = requirePrincipal(ctx);
  const plan = input.plan?.trim();
  if (plan !== undefined && !/^[a-z][a-z0-9-]{1,40}$/.test(plan))
    throw badUserInput('plan must be a plan name such as "standard" or "enterprise"', 'plan');
  if (input.seatLimit != null && (!Number.isInteger(input.seatLimit) || input.seatLimit < 1 || input.seatLimit > 1_000_000)) {
    throw badUserInput('seatLimit must be a whole number from 1 to 1,000,000', 'seatLimit');
  }
  return ctx.inScope(async (tx) => {
    const { account } = await tx.publisher.findUniqueOrThrow({ where: { id: principal.publisherId }, select: { account: true } });
    const used = await seatsUsed(tx, principal.publisherId);
    if (input.seatLimit != null && input.seatLimit < used)
      throw badUserInput(`seatLimit cannot be below the ${used} seats in use`, 'seatLimit');
    const updated = await tx.account.update({
      where: { id: account.id },
      data: { ...(plan ? { plan } : {}), ...(input.seatLimit != null ? { seatLimit: input.seatLimit } : {}), updatedAt: new Date() },
    });
    await recordChange(tx, principal, {
      entityType: 'Account',
      entityId: account.id,
      action: 'billing.updated',
      data: { plan: updated.plan, seatLimit: updated.seatLimit },
    });
    return { ...updated, seatsUsed: used };
  });
}
