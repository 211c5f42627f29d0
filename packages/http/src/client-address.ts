import type http from 'node:http';
import { requestHeader } from './http-server';

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
