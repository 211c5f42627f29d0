import { existsSync } from 'node:fs';
import { link, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type JSONWebKeySet, type JWK, type SignJWT } from 'jose';
import { ACCESS_TOKEN_TTL_SECONDS, CLOCK_TOLERANCE_SECONDS } from './token-lifetimes';

export const SIGNING_ALGORITHM = 'ES256';

type PrivateKey = Parameters<SignJWT['sign']>[0];

export interface SigningKey {
  kid: string;
  privateKey: PrivateKey;
  publicJwk: JWK;
}

/**
 * The keys of the identity service: one signs, and the ones it replaced keep verifying until
 * every token they signed has expired. Rotation therefore needs no downtime.
 */
export interface KeyRing {
  current(): Promise<SigningKey>;
  /** The public keys verifiers must accept now (published at /.well-known/jwks.json). */
  jwks(): Promise<JSONWebKeySet>;
}

/** How long a retired key keeps verifying: the last token it signed is then expired. */
export const RETIRED_KEY_GRACE_SECONDS = ACCESS_TOKEN_TTL_SECONDS + CLOCK_TOLERANCE_SECONDS;

/** Reads a private JWK (with its `kid`) as configuration gives it, e.g. AUTH_SIGNING_KEY. */
export async function signingKeyFromJwk(json: string | JWK): Promise<SigningKey> {
  const jwk = (typeof json === 'string' ? JSON.parse(json) : json) as JWK;
  if (!jwk.kid) throw new Error('The signing key needs a "kid"');
  if (!jwk.d) throw new Error('The signing key must be a private JWK (it has no "d")');
  const privateKey = (await importJWK(jwk, SIGNING_ALGORITHM)) as PrivateKey;
  return { kid: jwk.kid, privateKey, publicJwk: publicPart(jwk) };
}

function publicPart(jwk: JWK): JWK {
  const { d: _private, ...rest } = jwk;
  return { ...rest, alg: SIGNING_ALGORITHM, use: 'sig' };
}

export async function generatePrivateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: SIGNING_ALGORITHM };
}

/**
 * Production: AUTH_SIGNING_KEY signs; AUTH_PREVIOUS_KEYS (a JSON array of public JWKs) lists the
 * keys replaced less than RETIRED_KEY_GRACE_SECONDS ago. Rotating means deploying both.
 */
export async function keyRingFromConfiguration(signingKey: string, previousKeys: string | undefined): Promise<KeyRing> {
  const current = await signingKeyFromJwk(signingKey);
  const previous = previousKeys ? (JSON.parse(previousKeys) as JWK[]).map(publicPart) : [];
  const jwks = { keys: [current.publicJwk, ...previous] };
  return { current: async () => current, jwks: async () => jwks };
}

interface KeyRingFile {
  current: JWK;
  previous: { jwk: JWK; retiredAt: string }[];
}

/**
 * Development: the ring lives in DATA_DIR/keys/keyring.json, created on first use and rotated by
 * `pnpm keys:rotate`. A running identity service notices the rotation within a second.
 */
export function fileKeyRing(dataDir: string): KeyRing {
  const file = keyRingPath(dataDir);
  type Loaded = { mtimeMs: number; checkedAt: number; current: SigningKey; jwks: JSONWebKeySet };
  let loaded: Loaded | undefined;
  // One read at a time: two first sign-ins at once must not each make a key.
  let loading: Promise<Loaded> | undefined;
  const load = (): Promise<Loaded> => {
    if (loaded && Date.now() - loaded.checkedAt < 1_000) return Promise.resolve(loaded);
    loading ??= read().finally(() => (loading = undefined));
    return loading;
  };
  const read = async (): Promise<Loaded> => {
    if (!existsSync(file)) await createRing(file, { current: await generatePrivateJwk(), previous: [] });
    const { mtimeMs } = await stat(file);
    if (loaded?.mtimeMs === mtimeMs) {
      loaded.checkedAt = Date.now();
    } else {
      const ring = JSON.parse(await readFile(file, 'utf8')) as KeyRingFile;
      const current = await signingKeyFromJwk(ring.current);
      loaded = {
        mtimeMs,
        checkedAt: Date.now(),
        current,
        jwks: { keys: [current.publicJwk, ...stillValid(ring).map((p) => publicPart(p.jwk))] },
      };
    }
    return loaded;
  };
  return {
    current: async () => (await load()).current,
    jwks: async () => (await load()).jwks,
  };
}

/** Makes a new key the signing key; the old one keeps verifying for RETIRED_KEY_GRACE_SECONDS. */
export async function rotateFileKeyRing(dataDir: string): Promise<{ retired: string | undefined; current: string }> {
  const file = keyRingPath(dataDir);
  const ring: KeyRingFile = existsSync(file)
    ? JSON.parse(await readFile(file, 'utf8'))
    : { current: await generatePrivateJwk(), previous: [] };
  const next = await generatePrivateJwk();
  const retired = ring.current;
  await writeRing(file, {
    current: next,
    previous: [{ jwk: publicPart(retired), retiredAt: new Date().toISOString() }, ...stillValid(ring)],
  });
  return { retired: retired.kid, current: next.kid! };
}

function stillValid(ring: KeyRingFile) {
  return ring.previous.filter((p) => Date.now() - Date.parse(p.retiredAt) < RETIRED_KEY_GRACE_SECONDS * 1000);
}

function keyRingPath(dataDir: string): string {
  return path.join(dataDir, 'keys', 'keyring.json');
}

/** Written to a temporary file and renamed, so a reader never sees half a ring. */
async function writeRing(file: string, ring: KeyRingFile): Promise<void> {
  const temporary = await writeTemporary(file, ring);
  await rename(temporary, file);
}

/**
 * The first ring, unless another process made one first: linked into place, which fails when
 * the file exists, so every service of a data folder signs with the same key.
 */
async function createRing(file: string, ring: KeyRingFile): Promise<void> {
  const temporary = await writeTemporary(file, ring);
  try {
    await link(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(temporary);
  }
}

async function writeTemporary(file: string, ring: KeyRingFile): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(temporary, JSON.stringify(ring, null, 2), { mode: 0o600 });
  return temporary;
}
