import { pino, type Logger } from 'pino';
import { activeTraceId } from '@platform/tracing';
import { currentRequestScope } from './request-scope';

export type { Logger };

/**
 * A service's JSON logger. Each line written while a request is handled carries its `requestId`
 * (from the request scope the HTTP server opens), so one request can be followed through the
 * gateway and every subgraph it reached; with tracing on, its `traceId` too.
 */
export function createLogger(service: string): Logger {
  return pino({
    name: service,
    level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
    redact: ['req.headers.authorization', '*.password', '*.accessToken', '*.refreshToken'],
    mixin: () => {
      const requestScope = currentRequestScope();
      const traceId = activeTraceId();
      return { ...(requestScope ? { requestId: requestScope.requestId } : {}), ...(traceId ? { traceId } : {}) };
    },
  });
}
