import type DataLoader from 'dataloader';
import type { SigningKey, TokenSettings } from '@platform/auth';
import type { ScopedDatabase } from '@platform/db';
import type { RequestContext } from '@platform/server';
import type { UserModel } from './models';
import { createUserLoader } from './services/users';

export interface Signing {
  key: SigningKey;
  settings: TokenSettings;
}

export interface IdentityContext extends RequestContext {
  /** Login runs before any request scope exists, so it chooses its scopes itself. */
  db: ScopedDatabase;
  signing: Signing;
  loaders: { user: DataLoader<string, UserModel | null> };
  /** Set by a successful login, so its answer may show the user it signed in. */
  signedIn: { userId: string } | null;
}

export function identityContext(db: ScopedDatabase, signing: Signing) {
  return (base: RequestContext): IdentityContext => ({
    ...base,
    db,
    signing,
    loaders: { user: createUserLoader(base) },
    signedIn: null,
  });
}
