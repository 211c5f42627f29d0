import type { Actor } from '@platform/auth';
import { recordChange } from '@platform/events';
import type { Account, Tx } from '@platform/db';
import { requireActivePublisher } from '../publishers/publishers';
import { InvalidInput } from '@platform/errors';

export async function accountOfPublisher(tx: Tx, actor: Actor, publisherId: string): Promise<Account & { seatsUsed: number }> {
  requireActivePublisher(actor, publisherId);
  const { account } = await tx.publisher.findUniqueOrThrow({ where: { id: publisherId }, select: { account: true } });
  return { ...account, seatsUsed: await seatsUsed(tx, publisherId) };
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
  tx: Tx,
  actor: Actor,
  input: { plan?: string | null; seatLimit?: number | null },
): Promise<Account & { seatsUsed: number }> {
  const plan = input.plan?.trim();
  if (plan !== undefined && !/^[a-z][a-z0-9-]{1,40}$/.test(plan))
    throw new InvalidInput('plan must be a plan name such as "standard" or "enterprise"', 'plan');
  if (input.seatLimit != null && (!Number.isInteger(input.seatLimit) || input.seatLimit < 1 || input.seatLimit > 1_000_000)) {
    throw new InvalidInput('seatLimit must be a whole number from 1 to 1,000,000', 'seatLimit');
  }
  const { account } = await tx.publisher.findUniqueOrThrow({ where: { id: actor.publisherId }, select: { account: true } });
  const used = await seatsUsed(tx, actor.publisherId);
  if (input.seatLimit != null && input.seatLimit < used)
    throw new InvalidInput(`seatLimit cannot be below the ${used} seats in use`, 'seatLimit');
  const updated = await tx.account.update({
    where: { id: account.id },
    data: { ...(plan ? { plan } : {}), ...(input.seatLimit != null ? { seatLimit: input.seatLimit } : {}), updatedAt: new Date() },
  });
  await recordChange(tx, actor, {
    entityType: 'Account',
    entityId: account.id,
    action: 'billing.updated',
    data: { plan: updated.plan, seatLimit: updated.seatLimit },
  });
  return { ...updated, seatsUsed: used };
}
