import { requestHeader, type PostRoute } from '@platform/http';
import type { Logger } from '@platform/service';

/** The headers a billing provider's delivery needs on its way to the publishers service. */
const FORWARDED = ['content-type', 'billing-signature'] as const;

/**
 * The gateway is the platform's one public address: `POST /webhooks/billing` goes on to the
 * publishers service as it came (the signature covers the exact bytes), and its answer comes back.
 * A publishers service that does not answer is a 503, which the provider retries.
 */
export function billingWebhookRelay(publishersGraphqlUrl: string, log: Logger): PostRoute {
  const target = new URL('/webhooks/billing', publishersGraphqlUrl);
  return async (request, body) => {
    const headers: Record<string, string> = {};
    for (const name of FORWARDED) {
      const value = requestHeader(request, name);
      if (value) headers[name] = value;
    }
    try {
      const response = await fetch(target, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
      return {
        status: response.status,
        body: await response.text(),
        contentType: response.headers.get('content-type') ?? 'application/json; charset=utf-8',
      };
    } catch (error) {
      log.warn({ err: error }, 'billing webhook: the publishers service did not answer');
      return { status: 503, body: { error: 'The billing webhook is unavailable; deliver again later' } };
    }
  };
}
