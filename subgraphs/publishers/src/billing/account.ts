import type { Actor } from '@platform/auth';
import type { Plan, SubscriptionStatus, Tx } from '@platform/db';
import { InvalidInput } from '@platform/errors';
import { recordChange } from '@platform/events';
import { requireActivePublisher } from '../publishers/publishers';

/** The billing entity as its readers see it: plan, subscription, seats and usage across its publishers. */
export interface AccountModel {
  id: string;
  name: string;
  plan: Plan;
  status: SubscriptionStatus;
  trialEndsAt: Date | null;
  /** The plan's, or the seats bought beyond it. */
  seatLimit: number;
  /** People across every publisher of the account, each once. */
  seatsUsed: number;
  partnerClients: number;
  /** Partner API calls of the account this month (UTC), against the plan's monthly limit. */
  apiCallsThisMonth: number;
  publishers: { slug: string; name: string; seatsUsed: number; partnerClients: number }[];
}

interface UsageRow {
  slug: string;
  name: string;
  seats_used: number;
  partner_clients: number;
  account_seats_used: number;
  account_seat_limit: number;
}

export function accountOfPublisher(tx: Tx, actor: Actor, publisherId: string): Promise<AccountModel> {
  requireActivePublisher(actor, publisherId);
  return accountOfActivePublisher(tx, actor);
}

/**
 * The active publisher's account. The counts cross publishers of the account, which row-level
 * security hides from this scope, so the database counts them (app_account_usage: this account
 * only, numbers and slugs only), with the same function that enforces the seat limit.
 */
export async function accountOfActivePublisher(tx: Tx, actor: Actor): Promise<AccountModel> {
  const { account } = await tx.publisher.findUniqueOrThrow({
    where: { id: actor.publisherId },
    select: { account: { include: { planDetails: true } } },
  });
  const usage = await tx.$queryRaw<UsageRow[]>`SELECT * FROM app_account_usage()`;
  const [month] = await tx.$queryRaw<[{ calls: bigint }]>`SELECT calls FROM app_account_api_calls(${account.id}::uuid)`;
  return {
    id: account.id,
    name: account.name,
    plan: account.planDetails,
    status: account.subscriptionStatus,
    trialEndsAt: account.trialEndsAt,
    seatLimit: usage[0]?.account_seat_limit ?? account.seatLimit ?? account.planDetails.seatLimit,
    seatsUsed: usage[0]?.account_seats_used ?? 0,
    partnerClients: usage.reduce((sum, p) => sum + p.partner_clients, 0),
    apiCallsThisMonth: Number(month?.calls ?? 0),
    publishers: usage.map((p) => ({ slug: p.slug, name: p.name, seatsUsed: p.seats_used, partnerClients: p.partner_clients })),
  };
}

/**
 * Moves the account to another plan, at once. The account row is updated first: from then on
 * work that needs a plan feature (it share-locks the row) waits for this change, and work that
 * got there first has committed and is counted. What the new plan would forbid is refused with
 * every reason at once; seats are checked by the database at commit.
 */
export async function changePlan(tx: Tx, actor: Actor, planKey: string): Promise<AccountModel> {
  const key = planKey.trim().toLowerCase();
  const plan = await tx.plan.findUnique({ where: { key } });
  if (!plan) throw new InvalidInput(`There is no plan "${planKey.trim()}"; the plans query lists those available`, 'plan');
  const { account } = await tx.publisher.findUniqueOrThrow({ where: { id: actor.publisherId }, select: { account: true } });
  if (account.plan === key) return accountOfActivePublisher(tx, actor);
  await tx.account.update({ where: { id: account.id }, data: { plan: key, updatedAt: new Date() } });
  const [{ blockers }] = await tx.$queryRaw<[{ blockers: string[] }]>`SELECT app_plan_change_blockers(${key}) AS blockers`;
  if (blockers.length) throw new InvalidInput(`The account cannot move to the ${plan.name} plan: ${blockers.join('; ')}`, 'plan');
  await recordChange(tx, actor, {
    entityType: 'Account',
    entityId: account.id,
    action: 'account.plan_changed',
    data: { before: { plan: account.plan }, after: { plan: key } },
  });
  return accountOfActivePublisher(tx, actor);
}

/**
 * The seats bought beyond the plan's (an override of its limit) and, for clients of the first
 * contract, the plan (as changePlan). A limit below the seats in use is refused by the database
 * at commit, counted across the account.
 */
export async function updateBilling(
  tx: Tx,
  actor: Actor,
  input: { plan?: string | null; seatLimit?: number | null },
): Promise<AccountModel> {
  const seatLimit = input.seatLimit;
  if (seatLimit != null && (!Number.isInteger(seatLimit) || seatLimit < 1 || seatLimit > 1_000_000)) {
    throw new InvalidInput('seatLimit must be a whole number from 1 to 1,000,000', 'seatLimit');
  }
  if (input.plan != null) await changePlan(tx, actor, input.plan);
  if (seatLimit == null) return accountOfActivePublisher(tx, actor);
  const before = await accountOfActivePublisher(tx, actor);
  if (seatLimit < before.seatsUsed) {
    throw new InvalidInput(`seatLimit cannot be below the ${before.seatsUsed} seats in use across the account`, 'seatLimit');
  }
  await tx.account.update({ where: { id: before.id }, data: { seatLimit, updatedAt: new Date() } });
  await recordChange(tx, actor, {
    entityType: 'Account',
    entityId: before.id,
    action: 'account.seat_limit_changed',
    data: { before: { seatLimit: before.seatLimit }, after: { seatLimit } },
  });
  return accountOfActivePublisher(tx, actor);
}
