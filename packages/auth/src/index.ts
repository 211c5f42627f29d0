export { hashPassword, verifyPassword, verifyAgainstDecoy } from './passwords';
export { loadOrCreateDevelopmentKey, signingKeyFromJwk, SIGNING_ALGORITHM, type SigningKey } from './signing-keys';
export {
  AccessTokenVerifier,
  InvalidTokenError,
  bearerToken,
  signAccessToken,
  ACCESS_TOKEN_TTL_SECONDS,
  type Principal,
  type TokenSettings,
} from './access-tokens';
