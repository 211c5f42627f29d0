import { createLocalJWKSet, jwtVerify } from 'jose';
import { AccessTokenVerifier, generatePrivateJwk, signAccessToken, signingKeyFromJwk, DEFAULT_TOKEN_SETTINGS } from '@platform/auth';
import { createPrismaClient, ScopedDatabase } from '@platform/db';
import { DEMO_PASSWORD } from '@platform/demo-data';
import { ACCESS_CACHE_MS, cachedAccessLoader, loadAccess } from '@platform/access';
import { login, type RunningPlatform } from '@platform/testing';
import { measure, report } from './measure';

const settings = DEFAULT_TOKEN_SETTINGS;

/**
 * What checking a caller costs every service on every request: the signature and claims, then
 * the one query that loads the session's liveness and the permissions. Baseline: jose's own
 * jwtVerify on the same token.
 */
export async function tokenVerificationCost(apiUrl: string, platform: RunningPlatform): Promise<void> {
  const ITERATIONS = 5_000;
  const key = await signingKeyFromJwk(await generatePrivateJwk());
  const jwks = { keys: [key.publicJwk] };
  const session = await login(platform.gatewayUrl, 'owner@spirit.demo', DEMO_PASSWORD);
  const claims = JSON.parse(Buffer.from(session.token.split('.')[1]!, 'base64url').toString());
  const principal = { userId: claims.sub, publisherId: claims.pub, sessionId: claims.sid };
  const { token } = await signAccessToken(key, settings, principal);

  const keySet = createLocalJWKSet(jwks);
  const verifier = AccessTokenVerifier.fromJwks(jwks, settings);
  const db = new ScopedDatabase(createPrismaClient(apiUrl, { poolSize: 1 }));
  const raw = await measure('jose jwtVerify (ES256, signature + exp)', ITERATIONS, () =>
    jwtVerify(token, keySet, { algorithms: ['ES256'] }),
  );
  const ours = await measure('AccessTokenVerifier.verify (+ iss, aud, nbf, claims)', ITERATIONS, () => verifier.verify(token));
  const full = await measure('verify + loadAccess (session, membership, permissions)', ITERATIONS / 5, async () => {
    const access = await loadAccess(db, await verifier.verify(token));
    if (access.status !== 'granted') throw new Error(`unexpected access: ${access.status}`);
  });
  const accessOf = cachedAccessLoader(db);
  const cached = await measure(`verify + access cached for ${ACCESS_CACHE_MS} ms (what a service does)`, ITERATIONS, async () => {
    const access = await accessOf.load(await verifier.verify(token));
    if (access.status !== 'granted') throw new Error(`unexpected access: ${access.status}`);
  });
  await db.disconnect();
  report(`Token verification, ${ITERATIONS} tokens`, 'ms/token', [raw, ours, full, cached]);
  for (const r of [raw, ours, full, cached]) {
    const seconds = r.samples.reduce((a, b) => a + b, 0) / 1000;
    console.log(`  ${r.name}: ${Math.round(r.samples.length / seconds).toLocaleString('en')} per second on one core`);
  }
}
