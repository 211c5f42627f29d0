import type { Operator } from '@platform/auth';
import { isUuid, syncTemplatesOf, type Account, type Publisher, type SubscriptionStatus, type Tx } from '@platform/db';
import { InvalidInput, NotFound } from '@platform/errors';
import { recordChange, recordChanges } from '@platform/events';
import { templatesFor } from '@platform/permissions';
import { SUBSCRIPTION_STATUSES } from '../billing/subscription-events';
import { cancelOffboarding } from './offboarding';
import { asOperatorIn, recordPlatformAct } from './platform-audit';
import { publisherById, requireConfirmation } from './operated-publisher';
import { validPublisherType } from './onboarding';

/**
 * Suspends a publisher: from the next request (within the access cache's 500 ms at every
 * instance) nobody in it holds a permission, partner keys included, and sign-in to it is refused
 * with the reason. Sessions are kept, so that reactivating restores everyone at once.
 */
export async function suspendPublisher(tx: Tx, operator: Operator, input: { publisherId: string; reason: string }): Promise<Publisher> {
  const reason = input.reason.trim();
  if (reason.length < 3 || reason.length > 500)
    throw new InvalidInput('reason must be 3 to 500 characters: members are shown it', 'reason');
  const publisher = await publisherById(tx, input.publisherId);
  if (publisher.status === 'SUSPENDED') throw new InvalidInput(`"${publisher.slug}" is suspended already`, 'publisherId');
  const updated = await tx.publisher.update({ where: { id: publisher.id }, data: { status: 'SUSPENDED', suspendedReason: reason } });
  await recordPlatformAct(tx, operator, { action: 'publisher.suspended', publisherId: publisher.id, data: { reason } });
  const actor = await asOperatorIn(tx, operator, publisher.id);
  await recordChange(tx, actor, { entityType: 'Publisher', entityId: publisher.id, action: 'publisher.suspended', data: { reason } });
  return updated;
}

export async function reactivatePublisher(tx: Tx, operator: Operator, publisherId: string): Promise<Publisher> {
  const publisher = await publisherById(tx, publisherId);
  if (publisher.status === 'ACTIVE') throw new InvalidInput(`"${publisher.slug}" is active already`, 'publisherId');
  if (!(await cancelOffboarding(tx, publisher.id))) {
    throw new InvalidInput(`"${publisher.slug}" is being offboarded and its data deleted: finish it with offboardPublisher`, 'publisherId');
  }
  const updated = await tx.publisher.update({ where: { id: publisher.id }, data: { status: 'ACTIVE', suspendedReason: null } });
  const data = { suspendedFor: publisher.suspendedReason };
  await recordPlatformAct(tx, operator, { action: 'publisher.reactivated', publisherId: publisher.id, data });
  const actor = await asOperatorIn(tx, operator, publisher.id);
  await recordChange(tx, actor, { entityType: 'Publisher', entityId: publisher.id, action: 'publisher.reactivated', data });
  return updated;
}

/**
 * Changes a publisher's type, and its account's plan to one for that type (the plan named, or the
 * type's standard plan). Everything that the new type or plan forbids is refused at once, each
 * reason in one message: the account's other publishers of the old type, custom roles, a
 * directory, partner clients beyond the plan, and members holding a role template the new type
 * lacks (the Client role of PLATFORM publishers); seats are counted by the database at commit.
 * Then the templates are synced to the new type's.
 */
export async function changePublisherType(
  tx: Tx,
  operator: Operator,
  input: { publisherId: string; type: string; plan?: string | null; confirmSlug: string },
): Promise<Publisher> {
  const type = validPublisherType(input.type);
  const publisher = await publisherById(tx, input.publisherId);
  requireConfirmation(publisher, input.confirmSlug);
  if (publisher.type === type) throw new InvalidInput(`"${publisher.slug}" is ${type} already`, 'type');
  const planKey = input.plan?.trim().toLowerCase() || type.toLowerCase();
  const plan = await tx.plan.findUnique({ where: { key: planKey } });
  if (!plan || plan.publisherType !== type) {
    throw new InvalidInput(`plan must be a plan for ${type} publishers; "${planKey}" is not one`, 'plan');
  }
  const account = await tx.account.findUniqueOrThrow({ where: { id: publisher.accountId } });
  const updated = await tx.publisher.update({ where: { id: publisher.id }, data: { type } });
  await tx.account.update({ where: { id: account.id }, data: { plan: plan.key, updatedAt: new Date() } });
  const change = { before: { type: publisher.type, plan: account.plan }, after: { type, plan: plan.key } };
  await recordPlatformAct(tx, operator, {
    action: 'publisher.type_changed',
    publisherId: publisher.id,
    accountId: account.id,
    data: change,
  });
  const actor = await asOperatorIn(tx, operator, publisher.id);
  const blockers = [...(await planBlockers(tx, plan.key)), ...(await heldTemplatesLost(tx, publisher.id, type))];
  if (blockers.length) throw new InvalidInput(`"${publisher.slug}" cannot become ${type}: ${blockers.join('; ')}`, 'type');
  await syncTemplatesOf((sql, values) => tx.$queryRawUnsafe(sql, ...values), publisher.id, type);
  await recordChange(tx, actor, { entityType: 'Publisher', entityId: publisher.id, action: 'publisher.type_changed', data: change });
  return updated;
}

/** What the plan would forbid in the account of the publisher in scope (the check changePlan makes). */
async function planBlockers(tx: Tx, plan: string): Promise<string[]> {
  const [{ blockers }] = await tx.$queryRaw<[{ blockers: string[] }]>`SELECT app_plan_change_blockers(${plan}) AS blockers`;
  return blockers;
}

/** Role templates that members hold and that the new type does not ship. */
async function heldTemplatesLost(tx: Tx, publisherId: string, type: Publisher['type']): Promise<string[]> {
  const shipped = templatesFor(type).map((t) => t.key);
  const held = await tx.role.findMany({
    where: { publisherId, isTemplate: true, key: { notIn: shipped }, members: { some: {} } },
    select: { name: true, _count: { select: { members: true } } },
  });
  return held.map(
    (r) => `${r._count.members} member(s) hold the ${r.name} role, which ${type} publishers do not have: change their roles first`,
  );
}

/**
 * Sets an account's subscription status by hand (a support case, a deal agreed outside the billing
 * provider). It counts as the newest subscription change: a provider event older than now is
 * then stale. Audited in the platform's log and in every publisher of the account.
 */
export async function setSubscriptionStatus(
  tx: Tx,
  operator: Operator,
  input: { accountId: string; status: string; trialEndsAt?: Date | null },
): Promise<Account> {
  if (!(SUBSCRIPTION_STATUSES as readonly string[]).includes(input.status))
    throw new InvalidInput(`status must be one of ${SUBSCRIPTION_STATUSES.join(', ')}`, 'status');
  const status = input.status as SubscriptionStatus;
  const trialEndsAt = input.trialEndsAt ?? null;
  if (status === 'TRIALING' && (!trialEndsAt || trialEndsAt <= new Date())) {
    throw new InvalidInput('A trial needs trialEndsAt, in the future', 'trialEndsAt');
  }
  if (status !== 'TRIALING' && trialEndsAt) throw new InvalidInput('trialEndsAt goes only with TRIALING', 'trialEndsAt');
  const account = isUuid(input.accountId) ? await tx.account.findUnique({ where: { id: input.accountId } }) : null;
  if (!account) throw new NotFound('Account', input.accountId);
  const updated = await tx.account.update({
    where: { id: account.id },
    data: { subscriptionStatus: status, trialEndsAt, subscriptionChangedAt: new Date(), updatedAt: new Date() },
  });
  const data = {
    before: { status: account.subscriptionStatus, trialEndsAt: account.trialEndsAt?.toISOString() ?? null },
    after: { status, trialEndsAt: trialEndsAt?.toISOString() ?? null },
  };
  await recordPlatformAct(tx, operator, { action: 'account.subscription_changed', accountId: account.id, data });
  const publishers = await tx.publisher.findMany({ where: { accountId: account.id }, select: { id: true }, orderBy: { id: 'asc' } });
  // In the order of their ids, as every writer of several publishers' audit chains takes their locks.
  for (const { id } of publishers) {
    const actor = await asOperatorIn(tx, operator, id);
    await recordChanges(tx, actor, [{ entityType: 'Account', entityId: account.id, action: 'account.subscription_changed', data }]);
  }
  return updated;
}
