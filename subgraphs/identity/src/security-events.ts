import type { SecurityEvent } from '@platform/events';
import type { IdentityServices } from './context';

/**
 * Reports a security event of this request (its id is added). Written within a second, off the
 * request path, after the change it reports has committed where there is one.
 */
export function reportSecurityEvent(services: IdentityServices, event: SecurityEvent): void {
  services.securityEvents.report({ requestId: services.requestId, ...event });
}
