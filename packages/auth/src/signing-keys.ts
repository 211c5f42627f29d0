import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type JWK, type SignJWT } from 'jose';

export const SIGNING_ALGORITHM = 'ES256';

type PrivateKey = Parameters<SignJWT['sign']>[0];

export interface SigningKey {
  kid: string;
  privateKey: PrivateKey;
  publicJwk: JWK;
}

/** Reads a private JWK (with its `kid`) as configuration gives it, e.g. AUTH_SIGNING_KEY. */
export async function signingKeyFromJwk(json: string): Promise<SigningKey> {
  const jwk = JSON.parse(json) as JWK;
  if (!jwk.kid) throw new Error('The signing key needs a "kid"');
  if (!jwk.d) throw new Error('The signing key must be a private JWK (it has no "d")');
  const privateKey = (await importJWK(jwk, SIGNING_ALGORITHM)) as PrivateKey;
  const { d: _private, ...publicJwk } = jwk;
  return { kid: jwk.kid, privateKey, publicJwk: { ...publicJwk, alg: SIGNING_ALGORITHM, use: 'sig' } };
}

/** Development only: a key pair generated once and kept in the data folder across restarts. */
export async function loadOrCreateDevelopmentKey(dataDir: string): Promise<SigningKey> {
  const file = path.join(dataDir, 'keys', 'signing-key.jwk.json');
  if (!existsSync(file)) {
    const { privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: SIGNING_ALGORITHM };
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(jwk), { mode: 0o600 });
  }
  return signingKeyFromJwk(await readFile(file, 'utf8'));
}
