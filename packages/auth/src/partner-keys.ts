import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Partner API keys: `pk_live_<client id, 32 hex>_<secret, 43 base64url>`. The prefix makes a
 * leaked key recognisable in logs and to secret scanners; the client id finds the one row to
 * compare with; only SHA-256 of the secret is stored (it has 256 bits of entropy, so a slow hash
 * would add nothing but latency to every call).
 */
export const PARTNER_KEY_PREFIX = 'pk_live_';
const KEY_PATTERN = /^pk_live_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

export interface IssuedPartnerKey {
  key: string;
  hash: Buffer;
  /** The secret's last four characters, shown beside the client to tell keys apart. */
  hint: string;
}

export function issuePartnerKey(clientId: string): IssuedPartnerKey {
  const secret = randomBytes(32).toString('base64url');
  return { key: `${PARTNER_KEY_PREFIX}${clientId.replaceAll('-', '')}_${secret}`, hash: hashOf(secret), hint: secret.slice(-4) };
}

/** True for anything that looks like a partner key (well formed or not): it is never a JWT. */
export function isPartnerKey(credential: string): boolean {
  return credential.startsWith('pk_');
}

/** The client a well-formed key names and its secret; null for anything else. */
export function parsePartnerKey(key: string): { clientId: string; secret: string } | null {
  const match = KEY_PATTERN.exec(key);
  if (!match) return null;
  const hex = match[1]!;
  const clientId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { clientId, secret: match[2]! };
}

/** Compares in constant time, so the answer's timing tells nothing about the stored hash. */
export function partnerSecretMatches(secret: string, storedHash: Uint8Array): boolean {
  const presented = hashOf(secret);
  return presented.length === storedHash.length && timingSafeEqual(presented, storedHash);
}

function hashOf(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}
