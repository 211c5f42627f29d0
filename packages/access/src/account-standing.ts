/** The account's subscription, as the access check reads it with the caller's permissions. */
export interface Subscription {
  status: 'TRIALING' | 'ACTIVE' | 'PAST_DUE' | 'CANCELLED';
  trialEndsAt: Date | null;
}

/** Why a publisher's people hold fewer permissions than their roles grant. */
export type StandingReason = 'ACCOUNT_PAST_DUE' | 'ACCOUNT_TRIAL_ENDED' | 'ACCOUNT_CANCELLED' | 'PUBLISHER_SUSPENDED';

/** The permissions a subscription's standing withholds from a caller, and how they are told. */
export interface Withheld {
  reason: StandingReason;
  message: string;
  permissions: ReadonlySet<string>;
}

/**
 * What a caller's roles grant under the account's subscription: everything while it is active or
 * in its trial; reads and billing while it is past due or its trial is over (the data stays
 * readable, nothing changes but the payment); billing and the audit log once cancelled. Applied
 * where access is loaded, so every rule, subgraph and partner key sees the same answer.
 */
export function underSubscription(
  granted: ReadonlySet<string>,
  subscription: Subscription,
  now = new Date(),
): { permissions: ReadonlySet<string>; withheld: Withheld | null } {
  const standing = standingOf(subscription, now);
  if (!standing) return { permissions: granted, withheld: null };
  const kept = new Set<string>();
  const withheld = new Set<string>();
  for (const key of granted) (standing.keeps(key) ? kept : withheld).add(key);
  return { permissions: kept, withheld: { reason: standing.reason, message: standing.message, permissions: withheld } };
}

const BILLING = new Set(['billing:read', 'billing:manage']);

function standingOf(subscription: Subscription, now: Date) {
  switch (subscription.status) {
    case 'ACTIVE':
      return null;
    case 'TRIALING':
      if (!subscription.trialEndsAt || subscription.trialEndsAt > now) return null;
      return {
        reason: 'ACCOUNT_TRIAL_ENDED' as const,
        message: 'The trial of this account has ended: everything stays readable, and changes resume once a plan is paid for',
        keeps: readsAndBilling,
      };
    case 'PAST_DUE':
      return {
        reason: 'ACCOUNT_PAST_DUE' as const,
        message: 'The account has an unpaid invoice: everything stays readable, and changes resume once billing is settled',
        keeps: readsAndBilling,
      };
    case 'CANCELLED':
      return {
        reason: 'ACCOUNT_CANCELLED' as const,
        message: 'The subscription of this account is cancelled: only billing and the audit log remain available',
        keeps: (key: string) => BILLING.has(key) || key === 'audit:read',
      };
  }
}

function readsAndBilling(key: string): boolean {
  return key.endsWith(':read') || BILLING.has(key);
}
