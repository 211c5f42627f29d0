import type { RouteResponse } from '@platform/http';

/** A refusal of one of the publishers service's HTTP routes, shaped like a GraphQL error. */
export function routeRefusal(
  status: number,
  code: string,
  message: string,
  reason?: string,
  details: Record<string, unknown> = {},
): RouteResponse {
  return { status, body: { errors: [{ message, extensions: { code, ...(reason ? { reason } : {}), ...details } }] } };
}
