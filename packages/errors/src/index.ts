/**
 * What a business rule says when it refuses, without knowing who asked or over what protocol.
 * Services throw these; the GraphQL edge (`createErrorFormatter`) turns each into the error
 * code of API contract v1 with the message unchanged, and anything else into a masked internal
 * error. A rule can therefore be tested with a transaction and nothing else.
 */
export type DomainErrorCode =
  'BAD_USER_INPUT' | 'NOT_FOUND' | 'FORBIDDEN' | 'UNAUTHENTICATED' | 'RATE_LIMITED' | 'DIRECTORY_UNAVAILABLE' | 'SERVICE_UNAVAILABLE';

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;

  /** Extra facts a client may branch on (`field`, `reason`, `retryAfterSeconds`). */
  details(): Record<string, string | number> {
    return {};
  }
}

/** The input breaks a rule; `field` names the input field at fault, so a form can show the message beside it. */
export class InvalidInput extends DomainError {
  readonly code = 'BAD_USER_INPUT';
  override readonly name: string = 'InvalidInput';

  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }

  override details(): Record<string, string | number> {
    return this.field ? { field: this.field } : {};
  }
}

/** Also the answer for another publisher's object: its existence is never confirmed. */
export class NotFound extends DomainError {
  readonly code = 'NOT_FOUND';
  override readonly name = 'NotFound';

  /** `id`: the id asked for, when the caller named one; security monitoring checks it for a probe. */
  constructor(
    what: string,
    readonly id?: string,
  ) {
    super(`${what} was not found`);
  }
}

/** The caller is known but may not do this here. */
export class NotPermitted extends DomainError {
  readonly code = 'FORBIDDEN';
  override readonly name = 'NotPermitted';

  /** `reason`: a word a client may branch on, e.g. PLAN_FEATURE_MISSING. */
  constructor(
    message: string,
    readonly reason?: string,
  ) {
    super(message);
  }

  override details(): Record<string, string | number> {
    return this.reason ? { reason: this.reason } : {};
  }
}

/** The caller must (again) prove who they are; `reason` tells a lockout from a wrong password. */
export class NotSignedIn extends DomainError {
  readonly code = 'UNAUTHENTICATED';
  override readonly name = 'NotSignedIn';

  constructor(
    message = 'Sign in to continue',
    readonly reason?: string,
  ) {
    super(message);
  }

  override details(): Record<string, string | number> {
    return this.reason ? { reason: this.reason } : {};
  }
}

/** Too many requests of one kind; `retryAfterSeconds` (at least 1) says when the next one will be taken. */
export class TooManyRequests extends DomainError {
  readonly code = 'RATE_LIMITED';
  override readonly name = 'TooManyRequests';
  readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterSeconds: number) {
    super(message);
    this.retryAfterSeconds = wholeSeconds(retryAfterSeconds);
  }

  override details(): Record<string, string | number> {
    return { retryAfterSeconds: this.retryAfterSeconds };
  }
}

/**
 * A publisher's Active Directory did not answer (unreachable, too slow, or its circuit is open
 * after repeated failures); `retryAfterSeconds` when the platform knows when it will try again.
 */
export class DirectoryUnavailable extends DomainError {
  readonly code = 'DIRECTORY_UNAVAILABLE';
  override readonly name = 'DirectoryUnavailable';

  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  override details(): Record<string, string | number> {
    return this.retryAfterSeconds ? { retryAfterSeconds: wholeSeconds(this.retryAfterSeconds) } : {};
  }
}

/**
 * The platform could not take the request now: its database is unreachable or restarting, or
 * every connection stayed busy for longer than a request may wait for one. Nothing was done;
 * the same request may be sent again after `retryAfterSeconds`.
 */
export class ServiceUnavailable extends DomainError {
  readonly code = 'SERVICE_UNAVAILABLE';
  override readonly name = 'ServiceUnavailable';

  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }

  override details(): Record<string, string | number> {
    return { retryAfterSeconds: wholeSeconds(this.retryAfterSeconds) };
  }
}

/** A wait as clients are told it (`retryAfterSeconds`, `Retry-After`): whole seconds, at least one. */
export const wholeSeconds = (seconds: number): number => Math.max(1, Math.ceil(seconds));
