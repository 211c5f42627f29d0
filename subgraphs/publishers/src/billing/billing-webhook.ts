import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ScopedDatabase } from '@platform/db';
import { InvalidInput } from '@platform/errors';
import { requestHeader, type PostRoute } from '@platform/http';
import type { Logger } from '@platform/service';
import { applySubscriptionEvent, parseSubscriptionEvent } from './subscription-events';

/** How far a delivery's signed time may be from ours: beyond it, a captured delivery cannot be replayed. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export const SIGNATURE_HEADER = 'billing-signature';

/**
 * Checks `Billing-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (the scheme
 * Stripe uses; a provider rotating its secret sends one v1 per secret). True, or why not.
 */
export function verifyBillingSignature(header: string | null, body: string, secret: string, nowMs: number): true | string {
  if (!header) return `The ${SIGNATURE_HEADER} header is missing`;
  const pairs = header.split(',').map((part) => part.trim().split('='));
  const timestamp = pairs.find(([name]) => name === 't')?.[1];
  const signatures = pairs.filter(([name, value]) => name === 'v1' && value).map(([, value]) => value!);
  if (!timestamp || !/^\d{1,12}$/.test(timestamp) || signatures.length === 0) {
    return `The ${SIGNATURE_HEADER} header must read t=<unix seconds>,v1=<hex signature>`;
  }
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > SIGNATURE_TOLERANCE_SECONDS) {
    return `The signature's time is more than ${SIGNATURE_TOLERANCE_SECONDS} s from ours: a replay, or a clock to fix`;
  }
  const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest();
  const matches = signatures.some((signature) => {
    if (!/^[0-9a-f]{64}$/i.test(signature)) return false;
    return timingSafeEqual(Buffer.from(signature, 'hex'), expected);
  });
  return matches || 'The signature does not match the body: check the webhook secret';
}

/**
 * `POST /webhooks/billing`: the billing provider's word on a subscription, signed with the shared
 * secret. 200 once the event is recorded (applied, or known already, or older than the newest);
 * 4xx for what a redelivery cannot fix; anything else (5xx) makes the provider deliver again.
 */
export function billingWebhook(db: ScopedDatabase, secret: string | null, log: Logger): PostRoute {
  return async (request, body) => {
    if (!secret) return { status: 404, body: { error: 'The billing webhook is off: BILLING_WEBHOOK_SECRET is not set' } };
    const verdict = verifyBillingSignature(requestHeader(request, SIGNATURE_HEADER), body, secret, Date.now());
    if (verdict !== true) {
      log.warn({ event: 'billing.webhook_refused', reason: verdict }, 'billing webhook delivery refused');
      return { status: 401, body: { error: verdict } };
    }
    let event;
    try {
      event = parseSubscriptionEvent(body);
    } catch (error) {
      if (error instanceof InvalidInput) return { status: 400, body: { error: error.message, ...error.details() } };
      throw error;
    }
    const outcome = await applySubscriptionEvent(db, event);
    log.info({ event: 'billing.webhook_received', billingEventId: event.id, accountId: event.accountId, outcome }, 'billing event');
    if (outcome === 'unknown-account') return { status: 404, body: { error: `No account ${event.accountId}` } };
    return { status: 200, body: { received: true, outcome } };
  };
}
