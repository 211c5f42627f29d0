import { describe, expect, it } from 'vitest';
import { ChainVerifier, entryHash, type ChainedEntry } from './audit-chain';

function chain(length: number): ChainedEntry[] {
  const entries: ChainedEntry[] = [];
  let previous: Buffer | null = null;
  for (let n = 1; n <= length; n++) {
    const fields = {
      publisher_id: '6f1f3c1e-7c1a-4e3b-9a55-0c2f5f0e9b10',
      seq: String(n),
      id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      actor_type: 'USER',
      actor_user_id: null,
      actor_partner_client_id: null,
      action: 'work.created',
      entity_type: 'Work',
      entity_id: `work-${n}`,
      request_id: 'a "quoted"\nrequest',
      client_ip: '127.0.0.1',
      created_at: '2026-11-29T12:00:00.000000Z',
      data: '{"title": "Søng \\u0001"}',
    };
    const hash = entryHash(previous, fields);
    entries.push({ ...fields, prev_hash: previous, hash });
    previous = hash;
  }
  return entries;
}

describe('following a chain', () => {
  it('passes an intact chain, batch after batch, and names its head', () => {
    const entries = chain(5);
    const verifier = new ChainVerifier();
    expect(verifier.check(entries.slice(0, 2))).toBeNull();
    expect(verifier.check(entries.slice(2))).toBeNull();
    expect(verifier.entries).toBe(5);
    expect(verifier.head).toBe(entries[4]!.hash.toString('hex'));
  });

  it('names the first gap, relinked entry or changed entry', () => {
    const entries = chain(4);
    expect(new ChainVerifier().check([entries[0]!, entries[2]!])).toEqual({ kind: 'gap', seq: '3', expected: '2' });
    const relinked = entries.map((e, i) => (i === 2 ? { ...e, prev_hash: entries[0]!.hash } : e));
    expect(new ChainVerifier().check(relinked)).toEqual({ kind: 'relinked', seq: '3' });
    const changed = entries.map((e, i) => (i === 1 ? { ...e, entity_id: 'work-99' } : e));
    expect(new ChainVerifier().check(changed)).toEqual({ kind: 'changed', seq: '2' });
  });
});
