import { continueInPublisher, isUuid, type ScopedDatabase, type SubscriptionStatus } from '@platform/db';
import { InvalidInput } from '@platform/errors';
import { recordChanges, type Change } from '@platform/events';

/**
 * A billing provider's word on an account's subscription, as the webhook receives it (README
 * "Billing webhook"): the provider's event id, when it happened, and the state it reports.
 */
export interface SubscriptionEvent {
  id: string;
  type: string;
  occurredAt: Date;
  accountId: string;
  status: SubscriptionStatus;
  trialEndsAt: Date | null;
}

export const SUBSCRIPTION_STATUSES: readonly SubscriptionStatus[] = ['TRIALING', 'ACTIVE', 'PAST_DUE', 'CANCELLED'];

/** Reads a delivery's body; every fault is named with the field at fault. */
export function parseSubscriptionEvent(body: string): SubscriptionEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new InvalidInput('The body must be a JSON object');
  }
  const event = objectOf(raw, 'the body');
  const data = objectOf(event.data, 'data');
  const id = event.id;
  if (typeof id !== 'string' || id.length < 1 || id.length > 200)
    throw new InvalidInput('id must be the event id, 1 to 200 characters', 'id');
  const type = event.type;
  if (typeof type !== 'string' || !/^[a-z][a-z0-9_.]{0,99}$/.test(type))
    throw new InvalidInput('type must be an event type such as "subscription.updated"', 'type');
  const occurredAt = dateOf(event.occurredAt, 'occurredAt');
  if (!occurredAt) throw new InvalidInput('occurredAt must be an ISO 8601 date-time', 'occurredAt');
  const accountId = data.accountId;
  if (typeof accountId !== 'string' || !isUuid(accountId)) throw new InvalidInput('data.accountId must be an account id', 'data.accountId');
  const status = data.status === 'CANCELED' ? 'CANCELLED' : data.status;
  if (!SUBSCRIPTION_STATUSES.includes(status as SubscriptionStatus))
    throw new InvalidInput(`data.status must be one of ${SUBSCRIPTION_STATUSES.join(', ')}`, 'data.status');
  const trialEndsAt = dateOf(data.trialEndsAt, 'data.trialEndsAt');
  if (status === 'TRIALING' && !trialEndsAt) throw new InvalidInput('data.trialEndsAt is required for TRIALING', 'data.trialEndsAt');
  return {
    id,
    type,
    occurredAt,
    accountId: accountId.toLowerCase(),
    status: status as SubscriptionStatus,
    trialEndsAt: status === 'TRIALING' ? trialEndsAt : null,
  };
}

function objectOf(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidInput(`${name} must be a JSON object`);
  return value as Record<string, unknown>;
}

function dateOf(value: unknown, field: string): Date | null {
  if (value == null) return null;
  const date = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) throw new InvalidInput(`${field} must be an ISO 8601 date-time`, field);
  return date;
}

export type SubscriptionEventOutcome = 'applied' | 'duplicate' | 'stale' | 'unknown-account';

/**
 * Applies a provider's event once: a redelivery (same id) changes nothing, and an event older than
 * the newest one applied (deliveries arrive out of order) is recorded and ignored. The account
 * row is locked first, so two deliveries at once are applied one after the other. The change is
 * audited in every publisher of the account, in the same transaction.
 */
export async function applySubscriptionEvent(db: ScopedDatabase, event: SubscriptionEvent): Promise<SubscriptionEventOutcome> {
  const publishers = await db.withScope(
    {},
    (tx) => tx.$queryRaw<{ id: string }[]>`SELECT app_publishers_of_account(${event.accountId}::uuid) AS id`,
  );
  if (publishers.length === 0) return 'unknown-account';
  return db.withScope({ publisherId: publishers[0]!.id }, async (tx) => {
    const [account] = await tx.$queryRaw<{ status: SubscriptionStatus; trial_ends_at: Date | null; changed_at: Date | null }[]>`
      SELECT subscription_status AS status, trial_ends_at, subscription_changed_at AS changed_at
        FROM accounts WHERE id = ${event.accountId}::uuid FOR UPDATE`;
    if (!account) return 'unknown-account';
    const applies = !account.changed_at || event.occurredAt > account.changed_at;
    const recorded = await tx.billingEvent.createMany({
      data: { id: event.id, accountId: event.accountId, type: event.type, occurredAt: event.occurredAt, applied: applies },
      skipDuplicates: true,
    });
    if (recorded.count === 0) return 'duplicate';
    if (!applies) return 'stale';
    await tx.account.update({
      where: { id: event.accountId },
      data: {
        subscriptionStatus: event.status,
        trialEndsAt: event.trialEndsAt,
        subscriptionChangedAt: event.occurredAt,
        updatedAt: new Date(),
      },
    });
    const change: Change = {
      entityType: 'Account',
      entityId: event.accountId,
      action: 'account.subscription_changed',
      data: {
        before: { status: account.status, trialEndsAt: account.trial_ends_at?.toISOString() ?? null },
        after: { status: event.status, trialEndsAt: event.trialEndsAt?.toISOString() ?? null },
        billingEventId: event.id,
      },
    };
    // In the order of their ids, as every writer of several publishers' audit chains takes their
    // locks (a batch of security events does too): two such writers never wait in a circle.
    for (const id of publishers.map((p) => p.id).sort()) {
      await continueInPublisher(tx, id);
      await recordChanges(tx, { userId: null, publisherId: id, system: 'SYSTEM' }, [change]);
    }
    return 'applied';
  });
}
