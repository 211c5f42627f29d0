import type http from 'node:http';
import { requestHeader, type PostRoute, type Route, type RouteResponse } from '@platform/http';
import type { Logger } from '@platform/service';

/**
 * The gateway is the platform's one public address. Two routes beside /graphql belong to the
 * publishers service, and go on to it as they came: the billing provider's webhook (its signature
 * covers the exact bytes) and the audit log's export (streamed through, never held here).
 */
export function publishersRoutes(
  publishersGraphqlUrl: string,
  log: Logger,
): { get: Record<string, Route>; post: Record<string, PostRoute> } {
  const relay = (path: string, request: http.IncomingMessage, forwarded: readonly string[], init: RequestInit) =>
    relayed(new URL(path, publishersGraphqlUrl), request, forwarded, init, log);
  // A webhook is answered in seconds or delivered again; an export runs as long as its client reads.
  return {
    post: {
      '/webhooks/billing': (request, body) =>
        relay('/webhooks/billing', request, ['content-type', 'billing-signature'], {
          method: 'POST',
          body,
          signal: AbortSignal.timeout(10_000),
        }),
    },
    get: {
      '/audit-log/export': (request) => {
        const search = new URL(request.url ?? '/', 'http://localhost').search;
        return relay(`/audit-log/export${search}`, request, ['authorization', 'x-api-key', 'x-tenant-id', 'x-request-id'], {
          method: 'GET',
        });
      },
      '/platform/offboarding/export': (request) => {
        const search = new URL(request.url ?? '/', 'http://localhost').search;
        return relay(`/platform/offboarding/export${search}`, request, ['authorization', 'x-request-id'], { method: 'GET' });
      },
    },
  };
}

/** Headers the answer keeps on its way back. */
const ANSWERED = ['content-disposition', 'cache-control', 'retry-after'];

async function relayed(
  target: URL,
  request: http.IncomingMessage,
  forwarded: readonly string[],
  init: RequestInit,
  log: Logger,
): Promise<RouteResponse> {
  const headers: Record<string, string> = {};
  for (const name of forwarded) {
    const value = requestHeader(request, name);
    if (value) headers[name] = value;
  }
  // A client that goes away stops the relayed request too (a keep-alive socket outlives it, so
  // the listener goes once the answer is through).
  const gone = new AbortController();
  const abort = () => gone.abort();
  request.socket.once('close', abort);
  const signal = init.signal ? AbortSignal.any([init.signal, gone.signal]) : gone.signal;
  try {
    const response = await fetch(target, { ...init, headers, signal });
    const kept = Object.fromEntries(ANSWERED.flatMap((name) => (response.headers.has(name) ? [[name, response.headers.get(name)!]] : [])));
    return {
      status: response.status,
      body: null,
      contentType: response.headers.get('content-type') ?? 'application/json; charset=utf-8',
      headers: kept,
      stream: streamed(response.body as AsyncIterable<Uint8Array> | null, () => request.socket.off('close', abort)),
    };
  } catch (error) {
    request.socket.off('close', abort);
    log.warn({ err: error, path: target.pathname }, 'the publishers service did not answer a relayed route');
    return { status: 503, body: { error: 'The service is unavailable; try again later' } };
  }
}

async function* streamed(body: AsyncIterable<Uint8Array> | null, done: () => void): AsyncIterable<Uint8Array> {
  try {
    if (body) yield* body;
  } finally {
    done();
  }
}
