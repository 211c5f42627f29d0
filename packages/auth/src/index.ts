export { hashPassword, verifyPassword, verifyAgainstDecoy } from './passwords';
export {
  fileKeyRing,
  generatePrivateJwk,
  keyRingFromConfiguration,
  rotateFileKeyRing,
  signingKeyFromJwk,
  RETIRED_KEY_GRACE_SECONDS,
  SIGNING_ALGORITHM,
  type KeyRing,
  type SigningKey,
} from './signing-keys';
export { ACCESS_TOKEN_TTL_SECONDS, CLOCK_TOLERANCE_SECONDS } from './token-lifetimes';
export {
  AccessTokenVerifier,
  InvalidTokenError,
  bearerToken,
  bearerTokenIfWellFormed,
  DEFAULT_TOKEN_SETTINGS,
  signAccessToken,
  unverifiedPrincipal,
  isPlatformPrincipal,
  type Actor,
  type Operator,
  type PlatformPrincipal,
  type TokenPrincipal,
  type PartnerPrincipal,
  type Principal,
  type SessionPrincipal,
  type TokenSettings,
} from './access-tokens';
export {
  issuePartnerKey,
  isPartnerKey,
  parsePartnerKey,
  partnerSecretMatches,
  PARTNER_KEY_PREFIX,
  type IssuedPartnerKey,
} from './partner-keys';
