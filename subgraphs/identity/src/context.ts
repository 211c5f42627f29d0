import type DataLoader from 'dataloader';
import type { Logger } from 'pino';
import type { KeyRing, TokenSettings } from '@platform/auth';
import type { RequestContext } from '@platform/access';
import type { ScopedDatabase } from '@platform/db';
import type { SecurityEvents } from '@platform/events';
import type { Mailer } from '@platform/mail';
import type { DirectoryRuntime } from './directory/runtime';
import type { UserModel } from './models';
import type { LoginGuard } from './sign-in/login-guard';
import { createPartnerUsageLoader, createUserLoader } from './loaders';
import type { ClientUsage } from './partners/partner-clients';

/** What identity's services work with; plain objects, no request or GraphQL in them. */
export interface IdentityDependencies {
  /** Login, refresh and reset run before any request scope exists, so they choose their scopes. */
  db: ScopedDatabase;
  keys: KeyRing;
  tokenSettings: TokenSettings;
  loginGuard: LoginGuard;
  mailer: Mailer;
  /** The page of the web app that takes `?token=` and asks for a new password. */
  passwordResetUrl: string;
  /** Publishers' Active Directories: connections, the key of their bind passwords, sync locks. */
  directories: DirectoryRuntime;
  securityEvents: SecurityEvents;
}

/** The services' dependencies with the request's logger and id. */
export interface IdentityServices extends IdentityDependencies {
  log: Logger;
  requestId: string | null;
}

/** Where a request comes from: throttling keys on the address, sessions record both. */
export interface Client {
  ip: string | null;
  userAgent: string | null;
}

export interface IdentityContext extends RequestContext {
  services: IdentityServices;
  loaders: { user: DataLoader<string, UserModel | null>; partnerUsage: DataLoader<string, ClientUsage> };
  /** Set when this request signed someone in, so its answer may show that user. */
  signedIn: { userId: string } | null;
}

export function identityContext(deps: IdentityDependencies) {
  return (base: RequestContext): IdentityContext => ({
    ...base,
    services: { ...deps, log: base.log, requestId: base.requestId },
    loaders: { user: createUserLoader(base), partnerUsage: createPartnerUsageLoader(base) },
    signedIn: null,
  });
}
