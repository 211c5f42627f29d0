// pnpm keys:generate: prints a new ES256 signing key as a private JWK with a fresh kid, for
// AUTH_SIGNING_KEY in production. Keep it secret; give the identity service only.
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';

const { privateKey } = await generateKeyPair('ES256', { extractable: true });
console.log(JSON.stringify({ ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'ES256' }));
