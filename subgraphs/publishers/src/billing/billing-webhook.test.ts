import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyBillingSignature } from './billing-webhook';
import { parseSubscriptionEvent } from './subscription-events';

const SECRET = 'whsec-unit';
const NOW = Date.UTC(2026, 10, 29, 12);
const sign = (body: string, t: number, secret = SECRET) => createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');

describe('the billing signature', () => {
  const body = '{"id":"evt_1"}';
  const t = NOW / 1000;

  it('accepts the exact body signed with the secret, also beside a signature of a rotated secret', () => {
    expect(verifyBillingSignature(`t=${t},v1=${sign(body, t)}`, body, SECRET, NOW)).toBe(true);
    expect(verifyBillingSignature(`t=${t},v1=${sign(body, t, 'old')},v1=${sign(body, t)}`, body, SECRET, NOW)).toBe(true);
  });

  it('refuses another body, another secret, a stale or future time, and a malformed header', () => {
    expect(verifyBillingSignature(`t=${t},v1=${sign(body, t)}`, `${body} `, SECRET, NOW)).toMatch(/does not match/);
    expect(verifyBillingSignature(`t=${t},v1=${sign(body, t, 'other')}`, body, SECRET, NOW)).toMatch(/does not match/);
    expect(verifyBillingSignature(`t=${t - 301},v1=${sign(body, t - 301)}`, body, SECRET, NOW)).toMatch(/replay/);
    expect(verifyBillingSignature(`t=${t + 301},v1=${sign(body, t + 301)}`, body, SECRET, NOW)).toMatch(/replay/);
    expect(verifyBillingSignature(`v1=${sign(body, t)}`, body, SECRET, NOW)).toMatch(/must read/);
    expect(verifyBillingSignature(`t=${t},v1=zz`, body, SECRET, NOW)).toMatch(/does not match/);
    expect(verifyBillingSignature(null, body, SECRET, NOW)).toMatch(/missing/);
  });
});

describe('a subscription event', () => {
  const event = (data: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ id: 'evt_1', type: 'subscription.updated', occurredAt: '2026-11-29T12:00:00Z', data, ...extra });
  const account = '6f1f3c1e-7c1a-4e3b-9a55-0c2f5f0e9b10';

  it('reads the state the provider reports, accepting the provider spelling CANCELED', () => {
    expect(parseSubscriptionEvent(event({ accountId: account, status: 'CANCELED' }))).toMatchObject({
      status: 'CANCELLED',
      trialEndsAt: null,
    });
    expect(
      parseSubscriptionEvent(event({ accountId: account, status: 'TRIALING', trialEndsAt: '2026-12-13T00:00:00Z' })).trialEndsAt,
    ).toEqual(new Date('2026-12-13T00:00:00Z'));
  });

  it('names the field at fault', () => {
    const fieldOf = (body: string) => {
      try {
        parseSubscriptionEvent(body);
        return null;
      } catch (error) {
        return (error as { field?: string }).field ?? 'body';
      }
    };
    expect(fieldOf('not json')).toBe('body');
    expect(fieldOf(event({ accountId: 'acct_1', status: 'ACTIVE' }))).toBe('data.accountId');
    expect(fieldOf(event({ accountId: account, status: 'LATE' }))).toBe('data.status');
    expect(fieldOf(event({ accountId: account, status: 'TRIALING' }))).toBe('data.trialEndsAt');
    expect(fieldOf(event({ accountId: account, status: 'ACTIVE' }, { occurredAt: 'yesterday' }))).toBe('occurredAt');
    expect(fieldOf(event({ accountId: account, status: 'ACTIVE' }, { id: '' }))).toBe('id');
  });
});
