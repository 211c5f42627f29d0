import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Encrypts the directories' bind passwords at rest (AES-256-GCM). A value records the id of the
 * key that sealed it, so a key can be rotated: the new key seals, the previous one still opens,
 * and `pnpm directory:rekey` re-seals every stored password with the new key.
 */
export class SecretBox {
  private readonly keys: Map<string, Buffer>;
  private readonly currentId: string;

  constructor(current: Buffer, previous: Buffer[] = []) {
    this.currentId = keyId(current);
    this.keys = new Map([current, ...previous].map((key) => [keyId(key), key]));
  }

  /** From `DIRECTORY_SECRET_KEY` (and `DIRECTORY_PREVIOUS_SECRET_KEYS`): base64 of 32 bytes each. */
  static fromConfiguration(current: string, previous: string[] = []): SecretBox {
    return new SecretBox(
      parseKey(current, 'DIRECTORY_SECRET_KEY'),
      previous.map((k) => parseKey(k, 'DIRECTORY_PREVIOUS_SECRET_KEYS')),
    );
  }

  /** Development only: a key kept in DATA_DIR, made on first use. */
  static async development(dataDir: string): Promise<SecretBox> {
    const file = path.join(dataDir, 'keys', 'directory-secret.key');
    if (!existsSync(file)) {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, randomBytes(32).toString('base64'), { mode: 0o600 });
    }
    return SecretBox.fromConfiguration((await readFile(file, 'utf8')).trim());
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentId)!, iv);
    const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', this.currentId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), sealed.toString('base64url')].join(
      '.',
    );
  }

  open(value: string): string {
    const [version, id, iv, tag, sealed] = value.split('.');
    const key = id ? this.keys.get(id) : undefined;
    if (version !== 'v1' || !key || !iv || !tag || sealed === undefined) {
      throw new Error(
        `A directory secret is sealed with a key this service does not have (key id ${id ?? '?'}); see README "Directory secret key"`,
      );
    }
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** True when the value is sealed with an older key (rekeying re-seals it). */
  isStale(value: string): boolean {
    return value.split('.')[1] !== this.currentId;
  }
}

function parseKey(value: string, name: string): Buffer {
  const key = Buffer.from(value.trim(), 'base64');
  if (key.length !== 32) throw new Error(`${name} must be 32 random bytes in base64 (openssl rand -base64 32)`);
  return key;
}

function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}
