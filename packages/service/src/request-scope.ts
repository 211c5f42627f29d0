import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line written while a request is handled carries. */
export interface RequestScope {
  requestId: string;
}

const scope = new AsyncLocalStorage<RequestScope>();

/** Runs the handling of one request; whatever it logs, however deep and however late, names it. */
export function runInRequestScope<T>(requestScope: RequestScope, work: () => T): T {
  return scope.run(requestScope, work);
}

export function currentRequestScope(): RequestScope | undefined {
  return scope.getStore();
}

/** A caller's own id is kept when it is a plain token (a UUID, a trace id); anything else is replaced. */
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,200}$/;

/** The id of a request: the X-Request-Id it came with, when that is acceptable, or a new UUID. */
export function requestIdFrom(header: string | null | undefined): string {
  return header && ACCEPTABLE_REQUEST_ID.test(header) ? header : crypto.randomUUID();
}
