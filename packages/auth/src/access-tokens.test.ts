import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AccessTokenVerifier, DEFAULT_TOKEN_SETTINGS, InvalidTokenError, signAccessToken } from './access-tokens';
import { generatePrivateJwk, signingKeyFromJwk, type KeyRing } from './signing-keys';
import { ACCESS_TOKEN_TTL_SECONDS, CLOCK_TOLERANCE_SECONDS } from './token-lifetimes';

/** A key ring that counts how often a verifier asked for its keys: once per signature checked. */
async function countingRing() {
  const key = await signingKeyFromJwk(await generatePrivateJwk());
  const ring: KeyRing & { lookups: number } = {
    lookups: 0,
    current: async () => key,
    async jwks() {
      ring.lookups += 1;
      return { keys: [key.publicJwk] };
    },
  };
  return { ring, key };
}

const principal = { userId: randomUUID(), publisherId: randomUUID(), sessionId: randomUUID() };

afterEach(() => {
  vi.useRealTimers();
});

describe('verified tokens remembered', () => {
  it('checks a token’s signature once, then takes it on its word', async () => {
    const { ring, key } = await countingRing();
    const verifier = AccessTokenVerifier.fromKeyRing(ring, DEFAULT_TOKEN_SETTINGS);
    const { token } = await signAccessToken(key, DEFAULT_TOKEN_SETTINGS, principal);
    for (let i = 0; i < 5; i += 1) expect(await verifier.verify(token)).toEqual(principal);
    expect(ring.lookups).toBe(1);
  });

  it('still refuses a token whose text differs by one character, and a remembered token once it expires', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { ring, key } = await countingRing();
    const verifier = AccessTokenVerifier.fromKeyRing(ring, DEFAULT_TOKEN_SETTINGS);
    const { token } = await signAccessToken(key, DEFAULT_TOKEN_SETTINGS, principal);
    await verifier.verify(token);
    const signature = token.slice(token.lastIndexOf('.') + 1);
    const tampered = `${token.slice(0, token.lastIndexOf('.') + 1)}${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    await expect(verifier.verify(tampered)).rejects.toThrow(InvalidTokenError);
    // Remembered for a minute at most; a token verified within its last minute must still end on time.
    vi.setSystemTime(Date.now() + (ACCESS_TOKEN_TTL_SECONDS - 30) * 1000);
    expect(await verifier.verify(token)).toEqual(principal);
    vi.setSystemTime(Date.now() + (30 + CLOCK_TOLERANCE_SECONDS + 1) * 1000);
    await expect(verifier.verify(token)).rejects.toThrow('The access token has expired');
  });
});
