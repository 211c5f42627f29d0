import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from 'pino';
import { DomainError, wholeSeconds } from '@platform/errors';

/** The error codes of API contract v1; clients branch on `extensions.code`. */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'RATE_LIMITED'
  | 'DIRECTORY_UNAVAILABLE'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

function apiError(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}

export const unauthenticated = (message = 'Sign in to continue') => apiError('UNAUTHENTICATED', message);

/** For a request refused while its context is built: Apollo answers HTTP 401 with this error alone. */
export const unauthenticatedRequest = (message: string) => apiError('UNAUTHENTICATED', message, { http: { status: 401 } });

/** For a request refused while its context is built because it asks for what it may not have. */
export const forbiddenRequest = (message: string) => apiError('FORBIDDEN', message, { http: { status: 403 } });

/** `reason` tells a client why in a word it can branch on (ACCOUNT_PAST_DUE), beside the message. */
export const forbidden = (message = 'You do not have permission to do this in the active publisher', reason?: string) =>
  apiError('FORBIDDEN', message, reason ? { reason } : {});

/** A whole request refused for load: HTTP 429 with Retry-After, and no part of it run. */
export function rateLimitedRequest(message: string, retryAfterSeconds: number, reason?: string): GraphQLError {
  const seconds = wholeSeconds(retryAfterSeconds);
  return apiError('RATE_LIMITED', message, {
    ...(reason ? { reason } : {}),
    retryAfterSeconds: seconds,
    http: { status: 429, headers: new Map([['retry-after', String(seconds)]]) },
  });
}

/**
 * A request the platform cannot take now (its database away, no connection free): HTTP 503
 * with Retry-After, refused as a whole before anything ran.
 */
export function serviceUnavailableRequest(message: string, retryAfterSeconds: number): GraphQLError {
  const seconds = wholeSeconds(retryAfterSeconds);
  return apiError('SERVICE_UNAVAILABLE', message, {
    retryAfterSeconds: seconds,
    http: { status: 503, headers: new Map([['retry-after', String(seconds)]]) },
  });
}

/**
 * The same refusal as an HTTP answer written without Apollo (and without the stack trace a
 * GraphQLError captures): for refusals that must cost next to nothing, such as a flood.
 */
export function rateLimitedResponse(message: string, retryAfterSeconds: number) {
  const seconds = wholeSeconds(retryAfterSeconds);
  return {
    status: 429,
    headers: { 'retry-after': String(seconds) },
    body: { errors: [{ message, extensions: { code: 'RATE_LIMITED', retryAfterSeconds: seconds } }] },
  };
}

/**
 * Lets our own errors and GraphQL validation errors through and replaces everything else
 * (database errors, bugs) with a generic message and a reference the logs can be searched for:
 * no stack trace or SQL ever reaches a client.
 */
export function createErrorFormatter(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    // The one place a business rule's refusal becomes an error of API contract v1.
    if (original instanceof DomainError) {
      return {
        message: original.message,
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: { code: original.code, ...original.details() },
      };
    }
    const code = formatted.extensions?.code;
    // Only errors that carry a code of ours (or GraphQL's own: parse and validation) keep their
    // message. A GraphQLError alone proves nothing: Apollo wraps a failed request context
    // ("Context creation failed: …" with the database's words) in one, with no code of ours.
    if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') {
      // serviceName (added by the gateway) would tell clients how the platform is split up;
      // response (added by the gateway's data sources) holds a subgraph's URL, status and body.
      const { stacktrace: _stack, serviceName: _service, response: _response, ...extensions } = formatted.extensions ?? {};
      // Apollo prefixes refusals made while building the request context; the reason is ours.
      return { ...formatted, message: formatted.message.replace(/^Context creation failed: /, ''), extensions };
    }
    // Already masked by a subgraph: keep its reference, which is the one in that subgraph's log.
    const existing = formatted.extensions?.reference;
    if (code === 'INTERNAL_SERVER_ERROR' && typeof existing === 'string') {
      return { message: formatted.message, ...(formatted.path ? { path: formatted.path } : {}), extensions: { code, reference: existing } };
    }
    const reference = crypto.randomUUID();
    log.error({ err: original, reference, path: formatted.path }, 'unexpected error while resolving');
    return {
      message: `Something went wrong on our side. Quote reference ${reference} if you contact support.`,
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR', reference },
    };
  };
}
