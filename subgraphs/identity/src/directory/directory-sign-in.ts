import { Filter } from 'ldapts';
import { InvalidInput, NotPermitted, NotSignedIn } from '@platform/errors';
import { recordChange } from '@platform/events';
import type { Client, IdentityServices } from '../context';
import { reportSecurityEvent } from '../security-events';
import { refusal as guardRefusal } from '../sign-in/login-guard';
import { REFUSAL_MESSAGES, type DirectoryRefusal } from './ad-errors';
import type { DirectoryUser, LoginAttribute } from './directory-client';
import { toConnection } from './directory-settings';
import { accountEmailOf, grantsFor, mappingsOf, provision } from './provisioning';

/** The directory that claims an email's domain, as a login sees it before any publisher is chosen. */
export interface HomeRealm {
  publisherId: string;
  signInMode: 'DIRECTORY' | 'HYBRID';
  loginAttribute: LoginAttribute;
  /** The account with this email is a HYBRID directory's break-glass admin: it uses its password. */
  breakGlass: boolean;
}

/** Home-realm discovery: null when no directory (or an INTERNAL one) claims the email's domain. */
export async function homeRealmOf(services: IdentityServices, email: string): Promise<HomeRealm | null> {
  return services.db.withScope({ loginEmail: email }, async (tx) => {
    const claim = await tx.directoryEmailDomain.findUnique({ where: { domain: email.split('@')[1] ?? '' } });
    if (!claim) return null;
    const directory = await tx.directory.findUnique({
      where: { publisherId: claim.publisherId },
      select: { signInMode: true, loginAttribute: true },
    });
    if (!directory || directory.signInMode === 'INTERNAL') return null;
    const account = await tx.user.findUnique({ where: { email }, select: { id: true } });
    const breakGlass =
      directory.signInMode === 'HYBRID' &&
      account !== null &&
      (await tx.directoryBreakGlassUser.count({ where: { publisherId: claim.publisherId, userId: account.id } })) > 0;
    return { publisherId: claim.publisherId, signInMode: directory.signInMode, loginAttribute: directory.loginAttribute, breakGlass };
  });
}

/** The filter that finds the one user an email stands for; every value escaped (RFC 4515). */
export function loginFilter(attribute: LoginAttribute, email: string): string {
  return attribute === 'USER_PRINCIPAL_NAME'
    ? `(userPrincipalName=${Filter.escape(email)})`
    : `(sAMAccountName=${Filter.escape(email.split('@')[0] ?? '')})`;
}

interface Checked {
  user: DirectoryUser;
  groups: Set<string>;
}

/**
 * Signs a user in against their publisher's directory: bind as the service account, find exactly
 * one user, bind as that user, read their groups (nested ones included); then provision the
 * account and membership from the group mappings. The same lockout and throttling as internal
 * passwords apply. Answers the signed-in account.
 */
export async function signInThroughDirectory(
  services: IdentityServices,
  client: Client,
  realm: HomeRealm,
  email: string,
  password: string,
): Promise<{ id: string; email: string; displayName: string }> {
  // AD takes a DN with an empty password as an anonymous bind, and says it succeeded.
  if (!password) throw new InvalidInput('password must not be empty', 'password');
  const { publisherId } = realm;
  const { directories } = services;
  // Set by the check below when the directory refused the bind, to say why afterwards.
  const refused: { reason: DirectoryRefusal; userDn: string | null } = { reason: 'WRONG_CREDENTIALS', userDn: null };
  const checked = await services.loginGuard.check(email, client.ip, async (): Promise<Checked | null> => {
    const row = await services.db.withScope({ publisherId }, (tx) => tx.directory.findUniqueOrThrow({ where: { publisherId } }));
    const connection = toConnection(row, directories.secrets.open(row.bindPasswordEncrypted));
    try {
      return await directories.clients.guarded(
        publisherId,
        async () => {
          const session = await directories.clients.open(connection);
          try {
            const found = await session.findUsers(loginFilter(realm.loginAttribute, email), 2);
            if (found.length !== 1) return null;
            const user = found[0]!;
            const refusal = await session.checkPassword(user.dn, password);
            if (refusal) {
              Object.assign(refused, { reason: refusal, userDn: user.dn });
              return null;
            }
            const { namingContext } = await session.rootDse();
            return { user, groups: await session.groupsOf(user.dn, namingContext) };
          } finally {
            await session.close();
          }
        },
        2 * directories.clients.options.timeoutMs,
      );
    } catch (error) {
      report(services, client, publisherId, 'login.directory_unavailable', { error: (error as Error).message });
      throw error;
    }
  });
  if (checked.outcome === 'refused') throw guardRefusal(checked.reason);
  if (checked.outcome === 'rejected') {
    const { reason, userDn } = refused;
    report(services, client, publisherId, 'login.directory_refused', {
      reason,
      knownAccount: userDn !== null,
      ...(checked.lockedForSeconds ? { lockedForSeconds: checked.lockedForSeconds } : {}),
    });
    // AD answers "locked" whether or not the password was right: the caller gets the answer of
    // the platform's own lockout, which any email can get, and learns nothing about the account.
    if (reason === 'ACCOUNT_LOCKED') throw guardRefusal('locked_out');
    throw new NotSignedIn(REFUSAL_MESSAGES[reason], reason === 'WRONG_CREDENTIALS' ? undefined : reason);
  }
  const { user, groups } = checked.value;
  const outcome = await services.db
    .withScope({ publisherId }, async (tx) => {
      const domains = (await tx.directoryEmailDomain.findMany({ where: { publisherId } })).map((d) => d.domain);
      const accountEmail = accountEmailOf(user, domains);
      if (!accountEmail) return { kind: 'no-email' as const };
      const outcome = await provision(tx, publisherId, user, accountEmail, grantsFor(groups, await mappingsOf(tx, publisherId)));
      if (outcome.kind === 'no-group') {
        await recordChange(
          tx,
          { userId: null, publisherId, system: 'DIRECTORY_SYNC' },
          {
            entityType: 'Member',
            entityId: outcome.userId,
            action: 'member.refused_by_directory',
            data: { reason: 'in no mapped group', userDn: user.dn, via: 'directory' },
          },
        );
      }
      return outcome;
    })
    .catch((error: unknown) => {
      // The seat limit, checked by the database at commit.
      if (error instanceof InvalidInput)
        throw new NotPermitted(`${error.message.split(';')[0]}: ask the publisher's administrator for a seat`);
      throw error;
    });
  if (outcome.kind === 'no-email') {
    report(services, client, publisherId, 'login.directory_no_email', { userDn: user.dn });
    throw new NotPermitted('Your directory account has no email address in a domain this publisher claims; ask your IT administrator');
  }
  if (outcome.kind === 'no-group') {
    report(services, client, publisherId, 'login.directory_no_group', { userDn: user.dn }, outcome.userId);
    throw new NotPermitted('Your directory account is in no group that gives access to this publisher; ask your IT administrator');
  }
  return services.db.withScope({ userId: outcome.userId }, (tx) =>
    tx.user.findUniqueOrThrow({ where: { id: outcome.userId }, select: { id: true, email: true, displayName: true } }),
  );
}

function report(
  services: IdentityServices,
  client: Client,
  publisherId: string,
  kind: 'login.directory_refused' | 'login.directory_unavailable' | 'login.directory_no_group' | 'login.directory_no_email',
  data: Record<string, string | number | boolean>,
  userId?: string,
): void {
  services.log.info({ event: kind, publisherId, ...data }, kind);
  reportSecurityEvent(services, { kind, publisherId, userId: userId ?? null, client, data });
}
