import { createHash } from 'node:crypto';

/**
 * One audit entry as its hash covers it: each field as the database renders it to text
 * (app_audit_entry_text in migration 012 builds the same JSON array), the time in UTC to the
 * microsecond, the data as jsonb's own text.
 */
export interface ChainedEntry {
  publisher_id: string;
  seq: string;
  id: string;
  actor_type: string;
  actor_user_id: string | null;
  actor_partner_client_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string;
  request_id: string | null;
  client_ip: string | null;
  created_at: string;
  data: string;
  prev_hash: Buffer | null;
  hash: Buffer;
}

/**
 * The columns of a ChainedEntry, selected from audit_log in the texts the hash covers. (They are
 * named as the columns are: order and compare by the table's own, `a.seq`, not by these texts.)
 */
export const CHAINED_ENTRY_COLUMNS = `publisher_id::text, seq::text, id::text, actor_type, actor_user_id::text,
  actor_partner_client_id::text, action, entity_type, entity_id, request_id, client_ip,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at, data::text AS data, prev_hash, hash`;

/** SHA-256 over the previous entry's hash and the entry's fields, computed apart from the database's trigger. */
export function entryHash(previous: Buffer | null, e: Omit<ChainedEntry, 'prev_hash' | 'hash'>): Buffer {
  const fields = [
    e.publisher_id,
    e.seq,
    e.id,
    e.actor_type,
    e.actor_user_id,
    e.actor_partner_client_id,
    e.action,
    e.entity_type,
    e.entity_id,
    e.request_id,
    e.client_ip,
    e.created_at,
    e.data,
  ];
  return createHash('sha256')
    .update(previous ?? Buffer.alloc(0))
    .update(JSON.stringify(fields), 'utf8')
    .digest();
}

export type ChainBreak =
  { kind: 'gap'; seq: string; expected: string } | { kind: 'relinked'; seq: string } | { kind: 'changed'; seq: string };

/**
 * Follows one publisher's chain in order, batch by batch: the first entry whose number skips, whose
 * link does not name the entry before it, or whose fields no longer hash to what was written.
 */
export class ChainVerifier {
  private previous: Buffer | null = null;
  private expected = 1n;
  entries = 0;

  /** The first break among these entries (the next ones of the chain), or null. */
  check(batch: readonly ChainedEntry[]): ChainBreak | null {
    for (const entry of batch) {
      if (BigInt(entry.seq) !== this.expected) return { kind: 'gap', seq: entry.seq, expected: this.expected.toString() };
      if (!sameBytes(entry.prev_hash, this.previous)) return { kind: 'relinked', seq: entry.seq };
      if (!entryHash(this.previous, entry).equals(entry.hash)) return { kind: 'changed', seq: entry.seq };
      this.previous = entry.hash;
      this.expected += 1n;
      this.entries += 1;
    }
    return null;
  }

  /** The newest entry's hash: record it elsewhere, and a rewrite of the whole chain shows too. */
  get head(): string | null {
    return this.previous?.toString('hex') ?? null;
  }
}

function sameBytes(a: Buffer | null, b: Buffer | null): boolean {
  return a === null || b === null ? a === b : a.equals(b);
}

export function describeBreak(found: ChainBreak): string {
  switch (found.kind) {
    case 'gap':
      return `entry ${found.expected} is missing (the next one is ${found.seq}): an entry was removed or renumbered`;
    case 'relinked':
      return `entry ${found.seq} does not link to the entry before it: an entry before it was replaced`;
    case 'changed':
      return `entry ${found.seq} was changed after it was written: its fields no longer match its hash`;
  }
}
