import { setTimeout as sleep } from 'node:timers/promises';
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import type pg from 'pg';
import { envelopeOf, type OutboxRow } from '@platform/events';
import type { Logger } from '@platform/service';

export interface RelayOptions {
  /** The relay's own connections: it holds one for each round, across the call to SQS. */
  pool: pg.Pool;
  sqs: SQSClient;
  queueUrl: string;
  dlqUrl: string;
  log: Logger;
  pollMs: number;
  /** Refusals of one event after which it is parked. */
  maxAttempts: number;
  backoffMaxMs: number;
  retentionDays: number;
  /** Publishers claimed per round, and events per publisher: together at most 100 messages. */
  streamsPerRound?: number;
  eventsPerStream?: number;
  /** The largest message body SQS takes (256 KiB holds on every queue); larger events are refused here. */
  maxMessageBytes?: number;
  /** Told after each round: what it delivered, refused and parked (metrics). */
  onRound?: (round: RoundOutcome) => void;
}

export interface RoundOutcome {
  claimed: number;
  delivered: number;
  refused: number;
  parked: number;
  /** From each delivered event's commit to SQS's acknowledgement, in milliseconds. */
  latenciesMs: number[];
  /** Whether some publisher had more events than one round takes: the relay goes on at once. */
  full: boolean;
}

interface Refusal {
  reason: string;
  /** Refusals after which the event is parked. */
  parkAfter: number;
}

/** SQS's cap on a SendMessageBatch: ten messages. */
const BATCH_ENTRIES = 10;
const BACKOFF_BASE_MS = 100;
const PRUNE_EVERY_MS = 10 * 60_000;
const DEAD_LETTER_CHECK_MS = 60_000;
const PRUNE_BATCH = 5_000;
const NEVER_PARK = 2 ** 31 - 1;

/**
 * Delivers the outbox to an SQS FIFO queue. Each round claims up to ten publishers with events due
 * (FOR UPDATE SKIP LOCKED: another relay takes other publishers), sends each one's next events in
 * order with MessageGroupId = publisher and MessageDeduplicationId = event id, and marks what SQS
 * accepted in the same transaction. A relay that dies between sending and marking leaves the
 * events undelivered; the next round sends them again and SQS (within five minutes) or the
 * consumer (by id) drops the copy.
 *
 * An event SQS refuses waits with backoff, and its publisher's later events wait behind it (order
 * first), until its maxAttempts-th refusal parks it as a dead letter: then its publisher goes on.
 * SQS unreachable refuses nothing: the relay backs off and every event waits.
 */
export class OutboxRelay {
  private readonly streams: number;
  private readonly perStream: number;
  private readonly maxBytes: number;
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: AbortController | null = null;
  private lastPrune = 0;
  private lastDeadLetterCheck = 0;
  readonly totals = { delivered: 0, refused: 0, parked: 0, deadLettersSent: 0, since: Date.now() };

  constructor(private readonly options: RelayOptions) {
    this.streams = options.streamsPerRound ?? 10;
    this.perStream = options.eventsPerStream ?? BATCH_ENTRIES;
    this.maxBytes = options.maxMessageBytes ?? 256 * 1024;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Finishes the round under way (its transaction commits or rolls back) and stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      let full: boolean;
      try {
        const round = await this.deliverRound();
        full = round.full;
        // At once after parking one; every minute besides, for those another relay could not send.
        if (this.totals.parked > this.totals.deadLettersSent || Date.now() - this.lastDeadLetterCheck > DEAD_LETTER_CHECK_MS) {
          await this.sendDeadLetters();
        }
        if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) await this.prune();
        // Only a round that reached SQS says it answers again.
        if (round.claimed > 0 && failures > 0) {
          this.options.log.info({ failedRounds: failures }, 'events: SQS answers again; delivering');
          failures = 0;
        }
      } catch (error) {
        failures += 1;
        // Once when it starts, then every 50th round: an outage does not flood the log.
        if (failures === 1 || failures % 50 === 0) {
          this.options.log.warn({ err: describe(error), failedRounds: failures }, 'events: delivery failed; events wait in the outbox');
        }
        await this.pause(backoff(failures, this.options.backoffMaxMs));
        continue;
      }
      if (!full) await this.pause(this.options.pollMs);
    }
  }

  private async pause(ms: number): Promise<void> {
    if (!this.running) return;
    this.wake = new AbortController();
    await sleep(ms, undefined, { signal: this.wake.signal }).catch(() => undefined);
  }

  /** One round: claim, send, mark, in one transaction. Throws when SQS or the database cannot be reached. */
  async deliverRound(): Promise<RoundOutcome> {
    const { outcome, unreachable } = await this.inTransaction(async (db) => {
      const { rows: claimed } = await db.query<OutboxRow & { attempts: number }>('SELECT * FROM app_outbox_claim($1, $2)', [
        this.streams,
        this.perStream,
      ]);
      // An event SQS refused before goes alone: nothing behind it can be accepted ahead of it.
      const rows = [...groupBy(claimed, (r) => r.publisher_id).values()].flatMap((events) =>
        events[0]!.attempts > 0 ? events.slice(0, 1) : events,
      );
      const result: RoundOutcome = { claimed: claimed.length, delivered: 0, refused: 0, parked: 0, latenciesMs: [], full: false };
      if (rows.length === 0) return { outcome: result, unreachable: null };
      const sizes = [...groupBy(claimed, (r) => r.publisher_id).values()].map((events) => events.length);
      result.full = sizes.length >= this.streams || sizes.some((n) => n >= this.perStream);
      const { accepted, refusals, unreachable } = await this.send(rows);
      const delivered = rows.filter((r) => accepted.has(r.id));
      if (delivered.length) {
        await db.query('SELECT app_outbox_delivered($1::uuid[], $2::uuid[])', [
          delivered.map((r) => r.publisher_id),
          delivered.map((r) => r.id),
        ]);
        const now = Date.now();
        result.latenciesMs = delivered.map((r) => now - r.created_at.getTime());
      }
      result.delivered = delivered.length;
      // A publisher's first refused event counts; those behind it wait for it.
      const counted = new Set<string>();
      for (const row of rows) {
        const refusal = refusals.get(row.id);
        if (!refusal || counted.has(row.publisher_id)) continue;
        counted.add(row.publisher_id);
        const delay = backoff(row.attempts + 1, this.options.backoffMaxMs);
        const { rows: parked } = await db.query<{ parked: boolean }>('SELECT app_outbox_refused($1, $2, $3, $4, $5) AS parked', [
          row.publisher_id,
          row.id,
          refusal.reason,
          delay,
          refusal.parkAfter,
        ]);
        result.refused += 1;
        if (parked[0]!.parked) {
          result.parked += 1;
          this.options.log.error(
            { eventId: row.id, publisherId: row.publisher_id, type: row.event_type, reason: refusal.reason },
            'events: parked as a dead letter',
          );
        }
      }
      return { outcome: result, unreachable };
    });
    // What SQS did answer is committed; a batch it did not answer makes the round a failure (backoff).
    this.count(outcome);
    if (unreachable) throw new Error('SQS did not answer every batch', { cause: unreachable });
    return outcome;
  }

  private count(round: RoundOutcome): void {
    this.totals.delivered += round.delivered;
    this.totals.refused += round.refused;
    this.totals.parked += round.parked;
    this.options.onRound?.(round);
  }

  /**
   * Sends the claimed events in batches of up to ten, every publisher's events in one batch and in
   * order, the batches side by side. What SQS accepted, what it refused and why, and whether a
   * batch got no answer at all.
   */
  private async send(rows: OutboxRow[]) {
    const accepted = new Set<string>();
    const refusals = new Map<string, Refusal>();
    const batches: { entries: SendMessageBatchRequestEntry[]; ids: string[]; bytes: number }[] = [];
    for (const [, events] of groupBy(rows, (r) => r.publisher_id)) {
      const bodies = events.map((row) => ({ row, body: sqsSafeJson(envelopeOf(row)) }));
      const bytes = bodies.reduce((sum, b) => sum + Buffer.byteLength(b.body), 0);
      let batch = batches.at(-1);
      if (!batch || batch.entries.length + bodies.length > BATCH_ENTRIES || batch.bytes + bytes > this.maxBytes) {
        batch = { entries: [], ids: [], bytes: 0 };
        batches.push(batch);
      }
      for (const { row, body } of bodies) {
        const size = Buffer.byteLength(body);
        if (size > this.maxBytes) {
          // It can never be sent: parked at once.
          refusals.set(row.id, { reason: `The event is ${size} bytes as a message; SQS takes at most ${this.maxBytes}`, parkAfter: 1 });
          continue;
        }
        batch.ids.push(row.id);
        batch.bytes += size;
        batch.entries.push({
          Id: `e${batch.entries.length}`,
          MessageBody: body,
          MessageGroupId: row.publisher_id,
          MessageDeduplicationId: row.id,
          MessageAttributes: { type: { DataType: 'String', StringValue: row.event_type } },
        });
      }
    }
    let unreachable: unknown = null;
    await Promise.all(
      batches
        .filter((b) => b.entries.length > 0)
        .map(async (batch) => {
          try {
            const answer = await this.options.sqs.send(
              new SendMessageBatchCommand({ QueueUrl: this.options.queueUrl, Entries: batch.entries }),
            );
            for (const ok of answer.Successful ?? []) accepted.add(batch.ids[Number(ok.Id!.slice(1))]!);
            for (const failed of answer.Failed ?? []) {
              // SQS's own trouble (SenderFault false) is retried for as long as it lasts.
              refusals.set(batch.ids[Number(failed.Id!.slice(1))]!, {
                reason: `${failed.Code}: ${failed.Message ?? ''}`.trim(),
                parkAfter: failed.SenderFault === true ? this.options.maxAttempts : NEVER_PARK,
              });
            }
          } catch (error) {
            unreachable = error;
          }
        }),
    );
    return { accepted, refusals, unreachable };
  }

  /** Tells the dead-letter queue of parked events, ten at a time, each with why it was parked. */
  private async sendDeadLetters(): Promise<void> {
    this.lastDeadLetterCheck = Date.now();
    await this.inTransaction(async (db) => {
      const { rows } = await db.query<OutboxRow & { attempts: number; last_error: string; parked_at: Date }>(
        'SELECT * FROM app_outbox_unsent_dead_letters($1)',
        [BATCH_ENTRIES],
      );
      if (rows.length === 0) return;
      const entries = rows.map((row, i) => {
        const envelope = envelopeOf(row);
        const notice = { event: envelope, attempts: row.attempts, lastError: row.last_error, parkedAt: row.parked_at.toISOString() };
        let body = sqsSafeJson(notice);
        // What was too large for the queue is too large for its dead letters: the table keeps it whole.
        if (Buffer.byteLength(body) > this.maxBytes / BATCH_ENTRIES)
          body = sqsSafeJson({ ...notice, event: { ...envelope, payload: null } });
        return { Id: `d${i}`, MessageBody: body, MessageGroupId: row.publisher_id, MessageDeduplicationId: row.id };
      });
      const answer = await this.options.sqs.send(new SendMessageBatchCommand({ QueueUrl: this.options.dlqUrl, Entries: entries }));
      const sent = (answer.Successful ?? []).map((ok) => rows[Number(ok.Id!.slice(1))]!);
      await db.query('SELECT app_outbox_dead_letters_sent($1::uuid[], $2::uuid[])', [
        sent.map((r) => r.publisher_id),
        sent.map((r) => r.id),
      ]);
      this.totals.deadLettersSent += sent.length;
    });
  }

  private async prune(): Promise<void> {
    this.lastPrune = Date.now();
    let removed = 0;
    for (;;) {
      const { rows } = await this.options.pool.query<{ removed: number }>('SELECT app_outbox_prune($1, $2) AS removed', [
        this.options.retentionDays * 86_400,
        PRUNE_BATCH,
      ]);
      removed += rows[0]!.removed;
      if (rows[0]!.removed < PRUNE_BATCH || !this.running) break;
    }
    if (removed)
      this.options.log.info(
        { removed, retentionDays: this.options.retentionDays },
        'events: delivered events past their retention deleted',
      );
  }

  private async inTransaction<T>(work: (db: pg.PoolClient) => Promise<T>): Promise<T> {
    const db = await this.options.pool.connect();
    let broken: Error | undefined;
    // A connection that dies while the round waits on SQS errs outside any query: noted, not fatal.
    const onError = (error: Error) => (broken = error);
    db.on('error', onError);
    try {
      await db.query('BEGIN');
      const result = await work(db);
      await db.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await db.query('ROLLBACK');
      } catch (closing) {
        broken = closing as Error;
      }
      throw error;
    } finally {
      db.off('error', onError);
      db.release(broken);
    }
  }

  /** One line for the log on exit: what this relay delivered, and at what rate. */
  summary() {
    const { delivered, refused, parked, since } = this.totals;
    const seconds = Math.max((Date.now() - since) / 1000, 0.001);
    return { delivered, refused, parked, perSecond: Math.round((delivered / seconds) * 10) / 10 };
  }
}

/** Doubling from 100 ms up to the cap, the upper half of it at random (jitter: relays do not retry in step). */
export function backoff(attempt: number, capMs: number): number {
  const ceiling = Math.min(capMs, BACKOFF_BASE_MS * 2 ** Math.min(attempt - 1, 20));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/**
 * JSON that SQS takes whatever the text inside: characters outside the set SQS allows in a message
 * (control characters, U+FFFE, characters beyond the Basic Multilingual Plane for emulators that
 * check code units) are written as \u escapes, which read back as the same text.
 */
export function sqsSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    // eslint-disable-next-line no-control-regex -- the set SQS allows is defined by control characters
    /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD]/g,
    (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

function describe(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: unknown };
  const cause = e.cause ? ` (${describe(e.cause)})` : '';
  return `${e.name ?? 'Error'}: ${e.message ?? String(error)}${cause}`;
}
