import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DEMO_PASSWORD, demoId } from '@platform/demo-data';
import { parseEvent, type EventEnvelope } from '@platform/events';
import { ensureEventQueues, eventQueueClient, type EventQueues, type EventQueueSettings } from '@platform/events/queue';
import { EventConsumer } from '@platform/example-event-consumer';
import { OutboxRelay } from '@platform/publishers/events';
import { createLogger } from '@platform/service';
import { graphql, inScopeAs, login, startOwnPlatform, startSqsProcess, type OwnPlatform, type SqsProcess } from '@platform/testing';

/**
 * The outbox relay against a real SQS emulator (fauxqs) in a process of its own: every committed
 * event reaches the FIFO queue once per publisher in commit order, with two relays side by side;
 * a crash between sending and marking, SQS frozen for 30 s, and an event SQS keeps refusing lose
 * nothing and duplicate nothing a consumer keeps. The consumer is examples/event-consumer.
 */

const DMP = demoId('publisher:dmp');
const SHEER = demoId('publisher:sheer');
const SPIRIT = demoId('publisher:spirit');
const MAX_ATTEMPTS = 4;

let platform: OwnPlatform;
let sqs: SqsProcess;
let client: SQSClient;
let queues: EventQueues;
let consumer: EventConsumer;
const received: EventEnvelope[] = [];
let duplicates = 0;
let unreadable = 0;
const relays: { relay: OutboxRelay; pool: pg.Pool }[] = [];
const tokens: Record<string, string> = {};

/** A relay as publishers runs one, on its own pool, polling fast and parking after four refusals. */
function relayOf(sqsClient: SQSClient): { relay: OutboxRelay; pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString: platform.urls.apiUrl, max: 2 });
  const log = createLogger('events-spec');
  const relay = new OutboxRelay({
    pool,
    sqs: sqsClient,
    ...queues,
    log,
    pollMs: 50,
    maxAttempts: MAX_ATTEMPTS,
    backoffMaxMs: 1_000,
    retentionDays: 7,
  });
  return { relay, pool };
}

function startRelays(count: number, sqsClient: SQSClient = client): OutboxRelay[] {
  return Array.from({ length: count }, () => {
    const { relay, pool } = relayOf(sqsClient);
    relay.start();
    relays.push({ relay, pool });
    return relay;
  });
}

async function stopRelays(): Promise<void> {
  for (const { relay, pool } of relays.splice(0)) {
    await relay.stop();
    await pool.end();
  }
}

/** Reads the queue until `done` holds (or the time is up), keeping what the consumer handled. */
async function receiveUntil(done: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`the queue did not deliver in ${timeoutMs} ms (received ${received.length})`);
    for (const delivery of await consumer.poll(0)) {
      if (delivery.kind === 'event') received.push(delivery.event);
      else if (delivery.kind === 'duplicate') duplicates += 1;
      else unreadable += 1;
    }
  }
}

const createWork = (token: string, title: string, gateway = platform.a.gatewayUrl) =>
  graphql(
    gateway,
    `
      mutation ($i: CreateWorkInput!) {
        createWork(input: $i) {
          id
        }
      }
    `,
    { i: { title } },
    { token },
  );

async function createWorks(publisher: string, titles: string[], concurrency: number): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, lane) => {
      while (next < titles.length) {
        const title = titles[next++]!;
        const response = await createWork(tokens[publisher]!, title, lane % 2 ? platform.b.gatewayUrl : platform.a.gatewayUrl);
        expect(response.errors).toBeUndefined();
        ids.push(response.data.createWork.id);
      }
    }),
  );
  return ids;
}

async function pending(): Promise<number> {
  const { rows } = await platform.admin.query(`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`);
  return rows[0].n;
}

async function waitForDrainedOutbox(timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await pending()) > 0) {
    if (Date.now() > deadline) throw new Error(`${await pending()} events still undelivered after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const arrivedFor = (ids: Iterable<string>) => {
  const wanted = new Set(ids);
  return () => received.filter((e) => wanted.has(e.aggregate.id)).length >= wanted.size;
};

beforeAll(async () => {
  sqs = await startSqsProcess();
  const settings: EventQueueSettings = { endpoint: sqs.endpoint, region: 'us-east-1', queueUrl: null, dlqUrl: null };
  client = eventQueueClient(settings);
  // Messages above 2 KiB are refused by this spec's queue: how the poison spec makes SQS refuse one.
  queues = await ensureEventQueues(client, settings, { MaximumMessageSize: '2048' });
  consumer = new EventConsumer(client, queues.queueUrl);
  platform = await startOwnPlatform(inject('clusterAdminUrl'), 'events');
  for (const slug of ['dmp', 'sheer', 'spirit']) {
    tokens[slug] = (await login(platform.a.gatewayUrl, `owner@${slug}.demo`, DEMO_PASSWORD)).token;
  }
  startRelays(2);
  // What the demo world recorded before the spec, so that every check below starts from a drained outbox.
  await waitForDrainedOutbox();
  await receiveUntil(() => false, 1_500).catch(() => undefined);
}, 120_000);

afterAll(async () => {
  await stopRelays();
  client?.destroy();
  await platform?.stop();
  await sqs?.stop();
});

describe('the outbox relay', () => {
  it(
    'delivers each publisher’s events in commit order, publishers interleaved, with two relays side by side',
    { timeout: 120_000 },
    async () => {
      const titles = (slug: string) => Array.from({ length: 24 }, (_, i) => `${slug} ordered ${i}`);
      const [dmp, sheer, spirit] = await Promise.all([
        createWorks('dmp', titles('dmp'), 4),
        createWorks('sheer', titles('sheer'), 4),
        createWorks('spirit', titles('spirit'), 4),
      ]);
      await receiveUntil(arrivedFor([...dmp, ...sheer, ...spirit]));

      for (const [publisher, ids] of [
        [DMP, dmp],
        [SHEER, sheer],
        [SPIRIT, spirit],
      ] as const) {
        const events = received.filter((e) => e.publisherId === publisher && ids.includes(e.aggregate.id));
        expect(events.map((e) => e.type)).toEqual(ids.map(() => 'work.created'));
        // Arrival order is sequence order, and the sequence is the database's.
        const sequences = events.map((e) => e.sequence);
        expect(sequences).toEqual([...sequences].sort((x, y) => x - y));
        const { rows } = await platform.admin.query(
          `SELECT id::text, seq::int, published_at IS NOT NULL AS published FROM outbox WHERE publisher_id = $1 AND aggregate_id = ANY($2)`,
          [publisher, ids],
        );
        expect(rows.every((r) => r.published)).toBe(true);
        expect(Object.fromEntries(events.map((e) => [e.id, e.sequence]))).toEqual(Object.fromEntries(rows.map((r) => [r.id, r.seq])));
      }
      // Every message read as an event of the catalogue, with no gap or reordering in any stream.
      expect(consumer.outOfOrder).toEqual([]);
      expect(unreadable).toBe(0);
      const event = received.find((e) => e.aggregate.id === dmp[0])!;
      expect(event).toMatchObject({
        type: 'work.created',
        version: 2,
        publisherId: DMP,
        actor: { type: 'USER', userId: demoId('user:owner@dmp.demo') },
      });
      expect(event.payload).toMatchObject({ id: dmp[0], title: expect.stringMatching(/^dmp ordered/) });
      const shares = relays.map(({ relay }) => relay.totals.delivered);
      console.log(`ordering: 72 works in 3 publishers, 4 writers each; relays delivered ${shares.join(' + ')} events`);
    },
  );

  it('drains a backlog with two relays that never claim the same events', { timeout: 120_000 }, async () => {
    await stopRelays();
    const { rows } = await platform.admin.query(
      `INSERT INTO outbox (publisher_id, aggregate_type, aggregate_id, event_type, actor_type, payload)
       SELECT p, 'Work', w::text, 'work.deleted', 'SYSTEM', jsonb_build_object('id', w)
         FROM generate_series(1, 600) i, LATERAL (SELECT (ARRAY[$1, $2, $3]::uuid[])[1 + i % 3] AS p, gen_random_uuid() AS w) x
       RETURNING aggregate_id`,
      [DMP, SHEER, SPIRIT],
    );
    const [first, second] = startRelays(2);
    await waitForDrainedOutbox();
    await receiveUntil(arrivedFor(rows.map((r) => r.aggregate_id)));
    // Each event was sent by one relay only: the two counts add up to the backlog, no more.
    expect(first!.totals.delivered + second!.totals.delivered).toBe(600);
    expect(consumer.outOfOrder).toEqual([]);
    console.log(`backlog of 600 over 3 publishers: relays sent ${first!.totals.delivered} + ${second!.totals.delivered}`);
  });

  it('sends again what it sent but could not mark, and SQS keeps one copy', { timeout: 60_000 }, async () => {
    await stopRelays();
    const ids = await createWorks('dmp', ['resent 1', 'resent 2', 'resent 3', 'resent 4', 'resent 5'], 1);
    // SQS takes the batch, and the relay never hears it did: a crash, or the answer lost.
    const answerLost = eventQueueClient({ endpoint: sqs.endpoint, region: 'us-east-1', queueUrl: null, dlqUrl: null });
    const send = answerLost.send.bind(answerLost);
    answerLost.send = (async (command: Parameters<typeof send>[0]) => {
      await send(command);
      throw new Error('connection reset after the request was sent');
    }) as typeof answerLost.send;
    const { relay: crashing, pool } = relayOf(answerLost);
    await expect(crashing.deliverRound()).rejects.toThrow('SQS did not answer every batch');
    await pool.end();
    answerLost.destroy();
    expect(await pending()).toBe(5);

    startRelays(2);
    await waitForDrainedOutbox();
    await receiveUntil(arrivedFor(ids));
    await receiveUntil(() => false, 1_500).catch(() => undefined);
    const copies = received.filter((e) => ids.includes(e.aggregate.id));
    expect(copies).toHaveLength(5);
    // SQS dropped the second sending by its deduplication id: the consumer never saw a copy.
    expect(duplicates).toBe(0);
    console.log(`crash between send and mark: 5 events sent twice, ${copies.length} received, ${duplicates} duplicates`);
  });

  it('parks an event SQS keeps refusing, after which its publisher goes on; other publishers never wait', { timeout: 60_000 }, async () => {
    const before = received.length;
    const { rows: poison } = await platform.admin.query(
      `INSERT INTO outbox (publisher_id, aggregate_type, aggregate_id, event_type, actor_type, payload)
       VALUES ($1, 'Work', gen_random_uuid()::text, 'work.updated', 'SYSTEM',
               jsonb_build_object('id', gen_random_uuid(), 'title', repeat('long title ', 300), 'iswc', null))
       RETURNING id::text, seq::int`,
      [DMP],
    );
    // Refused once: from now on its publisher's stream waits behind it. (Events sent in the same
    // batch as its first refusal would have been accepted before it: docs/events.md says so.)
    await expect
      .poll(async () => (await platform.admin.query(`SELECT attempts FROM outbox WHERE id = $1`, [poison[0].id])).rows[0]?.attempts ?? 0, {
        timeout: 10_000,
        interval: 20,
      })
      .toBeGreaterThan(0);
    const [after] = await createWorks('dmp', ['after the poison'], 1);
    const [other] = await createWorks('sheer', ['beside the poison'], 1);
    await receiveUntil(arrivedFor([after!, other!]));
    // A relay marks what it sent after SQS took it, so a fast consumer can be ahead of the mark.
    await waitForDrainedOutbox();

    const { rows: parked } = await platform.admin.query(`SELECT attempts, last_error, parked_at FROM outbox_dead_letters WHERE id = $1`, [
      poison[0].id,
    ]);
    expect(parked).toHaveLength(1);
    expect(parked[0].attempts).toBe(MAX_ATTEMPTS);
    expect(parked[0].last_error).toMatch(/shorter than 2048 bytes/);
    expect((await platform.admin.query(`SELECT 1 FROM outbox WHERE id = $1`, [poison[0].id])).rowCount).toBe(0);
    const times = await platform.admin.query(
      `SELECT (SELECT published_at FROM outbox WHERE aggregate_id = $1) AS other, (SELECT published_at FROM outbox WHERE aggregate_id = $2) AS after`,
      [other, after],
    );
    // Sheer's event went out while DMP's stream waited; DMP's next event only once the poison was parked.
    expect(times.rows[0].other.getTime()).toBeLessThan(parked[0].parked_at.getTime());
    expect(times.rows[0].after.getTime()).toBeGreaterThanOrEqual(parked[0].parked_at.getTime());
    const dmpEvents = received.slice(before).filter((e) => e.publisherId === DMP);
    expect(dmpEvents.map((e) => e.sequence)).toEqual([poison[0].seq + 1]);
    expect(consumer.outOfOrder).toEqual([{ publisherId: DMP, expected: poison[0].seq, got: poison[0].seq + 1 }]);
    consumer.outOfOrder.length = 0;

    // The dead-letter queue hears of it, with why; the table keeps it whole.
    const notices: string[] = [];
    const deadline = Date.now() + 10_000;
    while (notices.length === 0 && Date.now() < deadline) {
      const answer = await client.send(new ReceiveMessageCommand({ QueueUrl: queues.dlqUrl, WaitTimeSeconds: 1 }));
      notices.push(...(answer.Messages ?? []).map((m) => m.Body!));
    }
    const notice = JSON.parse(notices[0]!);
    expect(notice).toMatchObject({ event: { id: poison[0].id, type: 'work.updated', sequence: poison[0].seq }, attempts: MAX_ATTEMPTS });
    expect(
      (await platform.admin.query(`SELECT dlq_sent_at FROM outbox_dead_letters WHERE id = $1`, [poison[0].id])).rows[0].dlq_sent_at,
    ).not.toBeNull();
  });

  it('loses nothing while SQS is frozen for 30 s, and delivers everything once it answers', { timeout: 150_000 }, async () => {
    const startedAt = (await platform.admin.query(`SELECT now() AS t`)).rows[0].t as Date;
    const duplicatesBefore = duplicates;
    const written: string[] = [];
    let writing = true;
    const slugs = ['dmp', 'sheer', 'spirit'];
    const writer = (async () => {
      for (let n = 0; writing; n++) {
        const response = await createWork(tokens[slugs[n % 3]!]!, `outage ${n}`, n % 2 ? platform.b.gatewayUrl : platform.a.gatewayUrl);
        // The API does not depend on SQS: every change commits.
        expect(response.errors).toBeUndefined();
        written.push(response.data.createWork.id);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    sqs.pause();
    await new Promise((resolve) => setTimeout(resolve, 30_000));
    const waiting = await pending();
    sqs.resume();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    writing = false;
    await writer;
    await waitForDrainedOutbox(60_000);
    await receiveUntil(arrivedFor(written), 60_000);
    await receiveUntil(() => false, 2_000).catch(() => undefined);

    const { rows: committed } = await platform.admin.query(
      `SELECT id::text, event_type, aggregate_id, attempts FROM outbox WHERE created_at >= $1`,
      [startedAt],
    );
    const mine = received.filter((e) => committed.some((r) => r.id === e.id));
    // Named, not counted: a failure says which events and what they were.
    const receivedIds = new Set(mine.map((e) => e.id));
    expect(committed.filter((r) => !receivedIds.has(r.id))).toEqual([]);
    expect(mine).toHaveLength(committed.length);
    expect(waiting).toBeGreaterThan(100);
    expect(consumer.outOfOrder).toEqual([]);
    console.log(
      `SQS frozen 30 s: ${written.length} works written, ${committed.length} events committed, ${waiting} waiting at the end of the outage, ` +
        `${mine.length} delivered, ${duplicates - duplicatesBefore} duplicates dropped by the consumer, 0 lost`,
    );
  });

  it('never puts a secret in an event, and keeps the relay’s tables to their publisher', async () => {
    const response = await graphql(
      platform.a.gatewayUrl,
      `
        mutation ($i: CreatePartnerClientInput!) {
          createPartnerClient(input: $i) {
            apiKey
            client {
              id
            }
          }
        }
      `,
      { i: { name: 'Event spec partner', permissions: ['work:read'] } },
      { token: tokens.dmp },
    );
    expect(response.errors).toBeUndefined();
    const { apiKey, client: created } = response.data.createPartnerClient;
    await receiveUntil(() => received.some((e) => e.aggregate.id === created.id));
    const event = received.find((e) => e.aggregate.id === created.id)!;
    expect(event.type).toBe('partner_client.created');
    expect(JSON.stringify(received)).not.toContain(apiKey);
    // The strict catalogue would have refused a message with a field it does not document.
    expect(parseEvent(JSON.stringify(event))).toEqual(event);

    const seen = (publisherId: string) =>
      inScopeAs(platform.urls.apiUrl, { publisherId }, async (db) => {
        const { rows } = await db.query(
          `SELECT (SELECT count(*)::int FROM outbox_dead_letters) AS dead, (SELECT count(*)::int FROM outbox_streams) AS streams`,
        );
        return rows[0];
      });
    expect(await seen(DMP)).toEqual({ dead: 1, streams: 1 });
    expect(await seen(SPIRIT)).toEqual({ dead: 0, streams: 1 });
    // The services' role changes outbox rows only through the relay's functions.
    await expect(
      inScopeAs(platform.urls.apiUrl, { publisherId: DMP }, (db) => db.query(`UPDATE outbox SET published_at = NULL`)),
    ).rejects.toThrow(/permission denied/);
  });
});
