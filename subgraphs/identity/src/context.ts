import type DataLoader from 'dataloader';
import type { KeyRing, TokenSettings } from '@platform/auth';
import type { ScopedDatabase } from '@platform/db';
import type { RequestContext } from '@platform/server';
import type { UserModel } from './models';
import type { LoginGuard } from './services/login-guard';
import type { Mailer } from '@platform/server';
import { createUserLoader } from './services/users';

/** What identity's services need beyond the shared request context. */
export interface IdentityDependencies {
  /** Login, refresh and reset run before any request scope exists, so they choose their scopes. */
  db: ScopedDatabase;
  keys: KeyRing;
  tokenSettings: TokenSettings;
  loginGuard: LoginGuard;
  mailer: Mailer;
  /** The page of the web app that takes `?token=` and asks for a new password. */
  passwordResetUrl: string;
}

export interface IdentityContext extends RequestContext, IdentityDependencies {
  loaders: { user: DataLoader<string, UserModel | null> };
  /** Set when this request signed someone in, so its answer may show that user. */
  signedIn: { userId: string } | null;
}

export function identityContext(deps: IdentityDependencies) {
  return (base: RequestContext): IdentityContext => ({ ...base, ...deps, loaders: { user: createUserLoader(base) }, signedIn: null });
}
