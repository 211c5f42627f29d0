import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box';

const key = () => randomBytes(32).toString('base64');

describe('the bind-password box', () => {
  it('seals so that only the same key opens, and never shows the plain text', () => {
    const current = key();
    const box = SecretBox.fromConfiguration(current);
    const sealed = box.seal('Service-Account-Password!');
    expect(sealed).toMatch(/^v1\.[0-9a-f]{8}\./);
    expect(sealed).not.toContain('Service-Account-Password!');
    expect(box.seal('Service-Account-Password!')).not.toBe(sealed);
    expect(box.open(sealed)).toBe('Service-Account-Password!');
    expect(() => SecretBox.fromConfiguration(key()).open(sealed)).toThrow(/key this service does not have/);
  });

  it('refuses a value that was tampered with', () => {
    const box = SecretBox.fromConfiguration(key());
    const parts = box.seal('secret').split('.');
    parts[4] = Buffer.from('tampered').toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow();
  });

  it('rotates: the new key seals, the previous one still opens, and old values are known as stale', () => {
    const [previous, next] = [key(), key()];
    const sealedBefore = SecretBox.fromConfiguration(previous).seal('secret');
    const rotated = SecretBox.fromConfiguration(next, [previous]);
    expect(rotated.open(sealedBefore)).toBe('secret');
    expect(rotated.isStale(sealedBefore)).toBe(true);
    const resealed = rotated.seal(rotated.open(sealedBefore));
    expect(rotated.isStale(resealed)).toBe(false);
    expect(SecretBox.fromConfiguration(next).open(resealed)).toBe('secret');
  });

  it('wants 32 bytes of key', () => {
    expect(() => SecretBox.fromConfiguration(Buffer.alloc(16).toString('base64'))).toThrow(/32 random bytes/);
  });
});
