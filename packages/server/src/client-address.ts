import type http from 'node:http';
import { requestHeader } from './http-server';

const LOOPBACK = ['127.0.0.1', '::1', '::ffff:127.0.0.1'];

/**
 * Which peers may tell us the client's address in X-Forwarded-For: the gateway in front of a
 * subgraph, a load balancer in front of the gateway. TRUSTED_PROXIES is a comma-separated list
 * of addresses, or `*` on a private network where only proxies can reach the service.
 */
export function trustedProxiesFrom(env: NodeJS.ProcessEnv): ReadonlySet<string> | 'all' {
  const value = env.TRUSTED_PROXIES?.trim();
  if (value === '*') return 'all';
  return new Set(
    value
      ? value
          .split(',')
          .map((a) => a.trim())
          .filter(Boolean)
      : LOOPBACK,
  );
}

/**
 * The address of the client behind any trusted proxies: the peer itself, or, when the peer is a
 * trusted proxy, the last address it appended to X-Forwarded-For. Throttling keys on this, so
 * an untrusted caller cannot choose it.
 */
export function clientAddress(req: http.IncomingMessage, trusted: ReadonlySet<string> | 'all'): string | null {
  const peer = req.socket.remoteAddress ?? null;
  const forwarded = requestHeader(req, 'x-forwarded-for');
  if (!peer || !forwarded || (trusted !== 'all' && !trusted.has(peer))) return peer;
  const hops = forwarded
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean);
  return hops.at(-1) ?? peer;
}
