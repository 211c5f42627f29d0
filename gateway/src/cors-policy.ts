import type { CorsOptions } from '@platform/http';

/**
 * Where Apollo Sandbox runs: the embedded Sandbox on the gateway's own page is an iframe from the
 * first origin, and Sandbox opened from Apollo Studio calls from the second.
 */
export const SANDBOX_ORIGINS = ['https://sandbox.embed.apollographql.com', 'https://studio.apollographql.com'] as const;

/** Headers a browser client may send; anything else fails its preflight. */
const ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'x-api-key',
  'x-request-id',
  'x-tenant-id',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'apollographql-client-name',
  'apollographql-client-version',
];

/**
 * The configured origins, and Sandbox's in development. Credentials stay off: the API is called
 * with a bearer token, never a cookie, so no origin can ride on a signed-in browser.
 */
export function corsPolicy(configured: readonly string[], developerTools: boolean): CorsOptions {
  const allowed = new Set([...configured, ...(developerTools ? SANDBOX_ORIGINS : [])]);
  return {
    origin: (origin, allow) => allow(null, origin !== undefined && allowed.has(origin) ? origin : false),
    methods: ['GET', 'POST'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: ['retry-after', 'x-request-id'],
    credentials: false,
    maxAge: 600,
  };
}
