import {
  SignJWT,
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import { LRUCache } from 'lru-cache';
import { SIGNING_ALGORITHM, type KeyRing, type SigningKey } from './signing-keys';
import { ACCESS_TOKEN_TTL_SECONDS, CLOCK_TOLERANCE_SECONDS } from './token-lifetimes';

/** Who a signed-in person's request acts for: the user, their session and the token's one publisher. */
export interface SessionPrincipal {
  userId: string;
  publisherId: string;
  sessionId: string;
  partnerClientId?: undefined;
}

/**
 * A partner key's caller: the partner client, in its one publisher, on behalf of the member who
 * created it (`userId`), whose permissions bound the key's.
 */
export interface PartnerPrincipal {
  userId: string;
  publisherId: string;
  partnerClientId: string;
  sessionId?: undefined;
}

/** Who a request acts for. */
export type Principal = SessionPrincipal | PartnerPrincipal;

/**
 * A platform operator's session: the person and their session, outside every publisher. Its
 * token names no publisher, so every tenant table answers nothing to it; what it may do comes
 * from the person's platform role.
 */
export interface PlatformPrincipal {
  userId: string;
  sessionId: string;
  platform: true;
  publisherId?: undefined;
  partnerClientId?: undefined;
}

/** Who a verified access token names: a person in one publisher, or an operator on the platform. */
export type TokenPrincipal = SessionPrincipal | PlatformPrincipal;

export function isPlatformPrincipal(principal: TokenPrincipal | Principal | null | undefined): principal is PlatformPrincipal {
  return principal != null && 'platform' in principal && principal.platform === true;
}

/** The claim a platform session's token carries in place of a publisher. */
const PLATFORM_SCOPE = 'platform';

/**
 * Who a service acts for: the signed-in principal and what they hold in its publisher. Services
 * take this rather than a request, so a rule can be exercised with a transaction and an actor.
 */
export type Actor = Principal & ActorGrants;

interface ActorGrants {
  /** Permission keys granted in the active publisher. */
  permissions: ReadonlySet<string>;
  /** Set for a member who may see only the works of this songwriter (a platform's client). */
  ownWorksOf: string | null;
  /** Set when the actor is a platform operator inside the publisher through support access. */
  supportAccessId?: string;
  /** The request the actor acts in, for the audit log: its id and the client's address. */
  request?: { id: string; clientIp: string | null };
}

/**
 * A platform operator as services see them: the person, their platform session and the platform
 * permissions their role grants. Services that act on publishers from above take this.
 */
export interface Operator {
  userId: string;
  sessionId: string;
  permissions: ReadonlySet<string>;
  request?: { id: string; clientIp: string | null };
}

export interface TokenSettings {
  issuer: string;
  audience: string;
}

/** The `iss` and `aud` every service expects unless AUTH_ISSUER / AUTH_AUDIENCE say otherwise. */
export const DEFAULT_TOKEN_SETTINGS: TokenSettings = { issuer: 'publishing-platform', audience: 'publishing-api' };

export class InvalidTokenError extends Error {}

export async function signAccessToken(
  key: SigningKey,
  settings: TokenSettings,
  principal: TokenPrincipal,
): Promise<{ token: string; expiresAt: Date }> {
  const now = Math.floor(Date.now() / 1000);
  const exp = now + ACCESS_TOKEN_TTL_SECONDS;
  const claims = isPlatformPrincipal(principal) ? { scp: PLATFORM_SCOPE } : { pub: principal.publisherId };
  const token = await new SignJWT({ ...claims, sid: principal.sessionId })
    .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: key.kid, typ: 'at+jwt' })
    .setSubject(principal.userId)
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(exp)
    .sign(key.privateKey);
  return { token, expiresAt: new Date(exp * 1000) };
}

/**
 * How long a verified token is taken on its word again without checking its signature: well
 * within the ten minutes a JWKS is cached, so a signing key withdrawn from the JWKS stops being
 * honoured no later than it would without this.
 */
const VERIFIED_FOR_MS = 60_000;

interface Verified {
  principal: TokenPrincipal;
  /** `exp`, in ms: a remembered token still expires on time. */
  expiresAt: number;
}

/**
 * Verifies access tokens against a JWKS. Only ES256 is accepted, so `alg: none` and HMAC tokens
 * signed with a public key as secret fail before any key is looked at.
 */
export class AccessTokenVerifier {
  /**
   * Tokens this instance has verified, by their exact text. A client sends the same token with
   * every request for its lifetime; an ES256 signature check costs more CPU than the rest of the
   * token's handling, and the gateway and each subgraph would otherwise repeat it per request.
   */
  private readonly verified = new LRUCache<string, Verified>({ max: 10_000, ttl: VERIFIED_FOR_MS });

  private constructor(
    private readonly keys: JWTVerifyGetKey,
    private readonly settings: TokenSettings,
  ) {}

  /**
   * Fetches and caches the identity service's JWKS. A token with an unknown `kid` (a key rotated
   * in) triggers a refetch, at most once a second, so rotation needs no restart anywhere.
   */
  static fromJwksUrl(url: string, settings: TokenSettings): AccessTokenVerifier {
    return new AccessTokenVerifier(createRemoteJWKSet(new URL(url), { cacheMaxAge: 10 * 60_000, cooldownDuration: 1_000 }), settings);
  }

  static fromJwks(jwks: JSONWebKeySet, settings: TokenSettings): AccessTokenVerifier {
    return new AccessTokenVerifier(createLocalJWKSet(jwks), settings);
  }

  /** For the identity service, which holds the key ring itself. */
  static fromKeyRing(ring: KeyRing, settings: TokenSettings): AccessTokenVerifier {
    return new AccessTokenVerifier(async (header, token) => createLocalJWKSet(await ring.jwks())(header, token), settings);
  }

  async verify(token: string): Promise<TokenPrincipal> {
    const remembered = this.verified.get(token);
    if (remembered && Date.now() < remembered.expiresAt + CLOCK_TOLERANCE_SECONDS * 1000) return remembered.principal;
    const verified = await this.verifySignature(token);
    this.verified.set(token, verified);
    return verified.principal;
  }

  private async verifySignature(token: string): Promise<Verified> {
    try {
      const { payload } = await jwtVerify(token, this.keys, {
        algorithms: [SIGNING_ALGORITHM],
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['sub', 'exp', 'iat', 'nbf'],
      });
      const { sub, pub, sid, scp, exp } = payload;
      if (typeof sub !== 'string' || typeof sid !== 'string') throw new InvalidTokenError('The token lacks its user or session');
      const expiresAt = exp! * 1000; // a required claim
      // Exactly one of the two: a token naming a publisher and the platform is not ours.
      if (scp === PLATFORM_SCOPE && pub === undefined) {
        return { principal: Object.freeze({ userId: sub, sessionId: sid, platform: true }), expiresAt };
      }
      if (typeof pub !== 'string' || scp !== undefined) throw new InvalidTokenError('The token lacks its publisher');
      // Frozen: one remembered principal is handed to every request that sends its token.
      return { principal: Object.freeze({ userId: sub, publisherId: pub, sessionId: sid }), expiresAt };
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      if (error instanceof errors.JOSEError) throw new InvalidTokenError(describe(error));
      throw error;
    }
  }
}

function describe(error: InstanceType<typeof errors.JOSEError>): string {
  if (error instanceof errors.JWTExpired) return 'The access token has expired';
  if (error instanceof errors.JWKSNoMatchingKey) return 'The access token was signed by an unknown key';
  return 'The access token is not valid';
}

/**
 * Who a token *claims* to be, without checking its signature: for decisions that can only refuse
 * a request that a verified token would also be refused (the gateway's early answer to callers
 * already over their rate limit). Never for granting anything.
 */
export function unverifiedPrincipal(token: string): Pick<Principal, 'userId' | 'publisherId'> | null {
  try {
    const { sub, pub } = decodeJwt(token);
    return typeof sub === 'string' && typeof pub === 'string' ? { userId: sub, publisherId: pub } : null;
  } catch {
    return null;
  }
}

/** The bearer token of an Authorization header, or undefined when there is none. */
export function bearerToken(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match) throw new InvalidTokenError('The Authorization header must be "Bearer <token>"');
  return match[1];
}

/**
 * The bearer token of an Authorization header, or undefined when there is none or the header is
 * malformed: for looking at a credential (its kind, its rate) before the full check, which answers
 * a malformed header with 401.
 */
export function bearerTokenIfWellFormed(header: string | null | undefined): string | undefined {
  try {
    return bearerToken(header);
  } catch {
    return undefined;
  }
}
