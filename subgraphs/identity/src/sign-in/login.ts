import { verifyAgainstDecoy, verifyPassword, type TokenPrincipal } from '@platform/auth';
import { isUuid } from '@platform/db';
import { InvalidInput, NotPermitted, NotSignedIn } from '@platform/errors';
import type { Client, IdentityServices } from '../context';
import type { AuthPayloadModel, PublisherModel } from '../models';
import { MAX_PASSWORD_LENGTH } from '../passwords/password-policy';
import { reportSecurityEvent } from '../security-events';
import { homeRealmOf, signInThroughDirectory } from '../directory/directory-sign-in';
import { openSession, platformRoleOf, type SessionPlace } from '../sessions/sessions';
import { refusal } from './login-guard';

export interface Credentials {
  email: string;
  password: string;
  /** Slug or id, or "platform" for a platform operator's session. */
  publisher?: string | null;
}

/** What an operator who is also a member somewhere names at sign-in to work on the platform. */
export const PLATFORM_CHOICE = 'platform';

const WRONG_CREDENTIALS = 'Email or password is incorrect';

/**
 * Signs a user in and opens a session in one publisher. An email whose domain a DIRECTORY or
 * HYBRID publisher claims is checked against that directory (home-realm discovery), except a
 * HYBRID publisher's break-glass admins; every other email against its internal password. Unknown
 * emails, users without a password and disabled users get the same answer as a wrong password,
 * after the same amount of hashing work; repeated failures lock the email and throttle the
 * address, whichever way the password is checked.
 */
export async function login(services: IdentityServices, client: Client, credentials: Credentials): Promise<AuthPayloadModel> {
  const email = credentials.email.trim().toLowerCase();
  if (!email) throw new InvalidInput('email must not be empty', 'email');
  if (!credentials.password) throw new InvalidInput('password must not be empty', 'password');
  if (credentials.password.length > MAX_PASSWORD_LENGTH) throw new NotSignedIn(WRONG_CREDENTIALS);

  const realm = await homeRealmOf(services, email);
  const throughDirectory = realm !== null && !realm.breakGlass;
  const user = throughDirectory
    ? await signInThroughDirectory(services, client, realm, email, credentials.password)
    : await signInWithPassword(services, client, email, credentials.password);

  // Signed in through a directory, the user works in that directory's publisher unless they choose.
  const wanted = credentials.publisher?.trim() || (throughDirectory ? realm.publisherId : null);
  const place = await choosePlace(services, user.id, wanted);
  const payload = await openSession(services, client, { id: user.id, email: user.email, displayName: user.displayName }, place);
  services.log.info(
    { event: 'login.succeeded', userId: user.id, publisherId: payload.activePublisher?.id ?? null, platformRole: payload.platformRole },
    'login succeeded',
  );
  return payload;
}

/** The internal password check, under the lockout and the throttle. */
async function signInWithPassword(services: IdentityServices, client: Client, email: string, password: string) {
  let knownUserId: string | undefined;
  const checked = await services.loginGuard.check(email, client.ip, async () => {
    const user = await services.db.withScope({ loginEmail: email }, (tx) =>
      tx.user.findUnique({ where: { email }, select: { id: true, email: true, displayName: true, passwordHash: true, status: true } }),
    );
    knownUserId = user?.id;
    const matches = user?.passwordHash ? await verifyPassword(user.passwordHash, password) : await verifyAgainstDecoy(password);
    return user && matches && user.status === 'ACTIVE' ? { id: user.id, email: user.email, displayName: user.displayName } : null;
  });
  if (checked.outcome === 'refused') {
    // A locked email is someone's account: its publishers' admins see the lockout.
    if (checked.reason === 'locked_out') report(services, client, 'login.locked_out', await userIdOf(services, email));
    else report(services, client, 'login.throttled');
    throw refusal(checked.reason);
  }
  if (checked.outcome === 'rejected') {
    report(services, client, 'login.failed', knownUserId, checked.lockedForSeconds ? { lockedForSeconds: checked.lockedForSeconds } : {});
    throw new NotSignedIn(WRONG_CREDENTIALS);
  }
  return checked.value;
}

/**
 * A new session, in another publisher the caller belongs to. It carries the time of the sign-in
 * it comes from: a publisher whose admin revoked the member's sessions after that sign-in is not
 * reachable this way (nor through X-Tenant-ID); signing in again is.
 */
export async function switchPublisher(
  services: IdentityServices,
  client: Client,
  principal: TokenPrincipal,
  wanted: string,
): Promise<AuthPayloadModel> {
  const place = await placeToSwitchTo(services, principal.userId, wanted);
  const signIn = await services.db.withScope({ userId: principal.userId }, (tx) =>
    tx.userSession.findUniqueOrThrow({
      where: { id: principal.sessionId },
      select: { authenticatedAt: true, user: { select: { id: true, email: true, displayName: true } } },
    }),
  );
  const revokedAt = 'publisher' in place ? place.publisher.sessionsRevokedAt : null;
  if ('publisher' in place && revokedAt && revokedAt >= signIn.authenticatedAt) {
    throw new NotSignedIn(`Your sessions in "${place.publisher.slug}" were ended by an administrator; sign in again to enter it`);
  }
  return openSession(services, client, signIn.user, place, signIn.authenticatedAt);
}

async function placeToSwitchTo(
  services: IdentityServices,
  userId: string,
  wanted: string,
): Promise<{ publisher: MemberOf } | { platformRole: string }> {
  if (wanted.trim().toLowerCase() === PLATFORM_CHOICE) {
    const platformRole = await platformRoleOf(services.db, userId);
    if (!platformRole) throw new NotPermitted('You hold no platform role');
    return { platformRole };
  }
  const publisher = bySlugOrId(await activePublishersOf(services, userId), wanted);
  if (!publisher) {
    await refuseIfSuspended(services, userId, wanted);
    throw new NotPermitted(`You are not an active member of a publisher "${wanted}"`);
  }
  return { publisher };
}

/** The attempted email is not recorded: for unknown accounts the log would be a list of guesses. */
function report(
  services: IdentityServices,
  client: Client,
  kind: 'login.failed' | 'login.locked_out' | 'login.throttled',
  userId?: string,
  data = {},
): void {
  services.log.info({ event: kind, userId }, kind);
  reportSecurityEvent(services, { kind, userId: userId ?? null, client, data: { ...data, knownAccount: Boolean(userId) } });
}

async function userIdOf(services: IdentityServices, email: string): Promise<string | undefined> {
  const user = await services.db.withScope({ loginEmail: email }, (tx) => tx.user.findUnique({ where: { email }, select: { id: true } }));
  return user?.id;
}

type MemberOf = PublisherModel & { sessionsRevokedAt: Date | null };

/** Publishers of an active membership, and of an account the user holds a role in. */
async function activePublishersOf(services: IdentityServices, userId: string): Promise<MemberOf[]> {
  const rows = await services.db.withScope(
    { userId },
    (tx) => tx.$queryRaw<(PublisherModel & { sessions_revoked_at: Date | null })[]>`
      SELECT id, slug, name, type, sessions_revoked_at FROM app_enterable_publishers(${userId}::uuid)`,
  );
  return rows.map(({ sessions_revoked_at, ...publisher }) => ({ ...publisher, sessionsRevokedAt: sessions_revoked_at }));
}

/**
 * Where a signed-in person works: the publisher they name, their only one, or, for a platform
 * operator, the platform (their only choice when they belong to no publisher, else named as
 * "platform"). A suspended publisher is named with its reason, never silently left out.
 */
async function choosePlace(services: IdentityServices, userId: string, wanted: string | null): Promise<SessionPlace> {
  const [publishers, platformRole] = await Promise.all([activePublishersOf(services, userId), platformRoleOf(services.db, userId)]);
  if (wanted?.toLowerCase() === PLATFORM_CHOICE) {
    if (!platformRole) throw new InvalidInput('You hold no platform role; choose a publisher', 'publisher');
    return { platformRole };
  }
  const choices = publishers.length + (platformRole ? 1 : 0);
  if (choices === 0) {
    await refuseIfSuspended(services, userId, null);
    throw new NotPermitted('Your account is not an active member of any publisher');
  }
  if (wanted === null || wanted === '') {
    if (publishers.length === 1 && !platformRole) return { publisher: publishers[0]! };
    if (publishers.length === 0 && platformRole) return { platformRole };
    const slugs = [...publishers.map((p) => p.slug), ...(platformRole ? [PLATFORM_CHOICE] : [])].join(', ');
    throw new InvalidInput(`You belong to several publishers (${slugs}); choose one with "publisher"`, 'publisher');
  }
  const chosen = bySlugOrId(publishers, wanted);
  if (chosen) return { publisher: chosen };
  await refuseIfSuspended(services, userId, wanted);
  // A publisher the user does not belong to and one that does not exist read the same.
  throw new InvalidInput(`You are not a member of a publisher "${wanted}"`, 'publisher');
}

/**
 * Says why a member cannot enter a publisher of theirs that operators suspended (the one named,
 * or, when none is named, the first). Only the publishers the person belongs to are looked at:
 * a stranger learns nothing of a suspension.
 */
async function refuseIfSuspended(services: IdentityServices, userId: string, wanted: string | null): Promise<void> {
  const suspended = await services.db.withScope(
    { userId },
    (tx) =>
      tx.$queryRaw<{ id: string; slug: string; suspended_reason: string | null }[]>`
      SELECT id, slug, suspended_reason FROM app_suspended_publishers_of(${userId}::uuid)`,
  );
  const key = wanted?.toLowerCase() ?? null;
  const named = key === null ? suspended[0] : suspended.find((p) => p.slug === key || p.id === key);
  if (!named) return;
  const why = named.suspended_reason ? `: ${named.suspended_reason}` : '';
  throw new NotPermitted(`The publisher "${named.slug}" is suspended by the platform's operators${why}`, 'PUBLISHER_SUSPENDED');
}

function bySlugOrId(publishers: MemberOf[], wanted: string): MemberOf | undefined {
  const key = wanted.trim().toLowerCase();
  return publishers.find((p) => p.slug === key || (isUuid(key) && p.id === key));
}
