import { describe, expect, it } from 'vitest';
import { underSubscription } from './account-standing';

const GRANTED = new Set(['work:read', 'work:write', 'member:read', 'member:manage', 'billing:read', 'billing:manage', 'audit:read']);
const NOW = new Date('2026-11-29T12:00:00Z');

describe('what a subscription leaves of a grant', () => {
  it('keeps everything while active, and during a trial until its end', () => {
    expect(underSubscription(GRANTED, { status: 'ACTIVE', trialEndsAt: null }, NOW)).toEqual({ permissions: GRANTED, withheld: null });
    const trial = { status: 'TRIALING' as const, trialEndsAt: new Date('2026-11-29T12:00:01Z') };
    expect(underSubscription(GRANTED, trial, NOW).withheld).toBeNull();
  });

  it('keeps reads and billing when past due or the trial is over, and says which reason', () => {
    for (const [subscription, reason] of [
      [{ status: 'PAST_DUE' as const, trialEndsAt: null }, 'ACCOUNT_PAST_DUE'],
      [{ status: 'TRIALING' as const, trialEndsAt: NOW }, 'ACCOUNT_TRIAL_ENDED'],
    ] as const) {
      const { permissions, withheld } = underSubscription(GRANTED, subscription, NOW);
      expect([...permissions].sort()).toEqual(['audit:read', 'billing:manage', 'billing:read', 'member:read', 'work:read']);
      expect(withheld).toMatchObject({ reason, permissions: new Set(['work:write', 'member:manage']) });
    }
  });

  it('keeps billing and the audit log once cancelled', () => {
    const { permissions, withheld } = underSubscription(GRANTED, { status: 'CANCELLED', trialEndsAt: null }, NOW);
    expect([...permissions].sort()).toEqual(['audit:read', 'billing:manage', 'billing:read']);
    expect(withheld?.reason).toBe('ACCOUNT_CANCELLED');
    expect(withheld?.permissions.has('work:read')).toBe(true);
  });

  it('never adds what the roles did not grant', () => {
    const viewer = new Set(['work:read']);
    expect(underSubscription(viewer, { status: 'CANCELLED', trialEndsAt: null }, NOW).permissions).toEqual(new Set());
  });
});
