import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import pg from 'pg';
import { demoId } from '@platform/demo-data';
import { ensureEventQueues, eventQueueClient, type EventQueues } from '@platform/events/queue';
import { EventConsumer } from '@platform/example-event-consumer';
import { OutboxRelay, sqsSafeJson } from '@platform/publishers/events';
import { createLogger } from '@platform/service';
import { startSqsProcess } from '@platform/testing';
import { percentile } from './measure';

const BACKLOG = 20_000;
const RATE_PER_SECOND = 200;
const RATE_SECONDS = 10;
const PUBLISHERS = ['dmp', 'sheer', 'songtrust', 'spirit'].map((slug) => demoId(`publisher:${slug}`));

/**
 * The relay against fauxqs in its own process. Throughput: a backlog of 20,000 events over four
 * publishers drained by one relay and by two, against the same messages sent straight to SQS in
 * batches of ten, four senders side by side and no database (the floor). Latency: events
 * committed at a fixed 200 per second, from each commit to the consumer's receipt.
 */
export async function eventRelayCost(apiUrl: string, adminUrl: string): Promise<void> {
  const sqs = await startSqsProcess();
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const client = eventQueueClient({ endpoint: sqs.endpoint, region: 'us-east-1', queueUrl: null, dlqUrl: null });
  try {
    const queues = await ensureEventQueues(client, { endpoint: sqs.endpoint, region: 'us-east-1', queueUrl: null, dlqUrl: null });
    const consumer = new EventConsumer(client, queues.queueUrl);
    await drainQueue(client, queues.queueUrl);
    await admin.query(`UPDATE outbox SET published_at = now() WHERE published_at IS NULL`);

    const floorMs = await sendStraight(client, queues.queueUrl);
    await drainQueue(client, queues.queueUrl);
    const rows: [string, number][] = [['SendMessageBatch straight, 4 senders, no database (floor)', floorMs]];
    for (const relays of [1, 2]) {
      await writeBacklog(admin);
      const started = performance.now();
      await withRelays(apiUrl, client, queues, relays, async () => waitUntilDelivered(admin));
      rows.push([`relay${relays > 1 ? 's' : ''} × ${relays}: claim, send, mark (FIFO, per-publisher order)`, performance.now() - started]);
      await drainQueue(client, queues.queueUrl);
    }
    console.log(`\nEvent relay: ${BACKLOG.toLocaleString('en')} events of ${PUBLISHERS.length} publishers to an SQS FIFO queue (fauxqs)`);
    console.log(`${'variant'.padEnd(72)} ${'seconds'.padStart(8)} ${'events/s'.padStart(10)}   ratio`);
    for (const [name, ms] of rows) {
      console.log(
        `${name.padEnd(72)} ${(ms / 1000).toFixed(2).padStart(8)} ${Math.round(BACKLOG / (ms / 1000))
          .toString()
          .padStart(10)}   ${(ms / floorMs).toFixed(2)}×`,
      );
    }

    const latencies = await withRelays(apiUrl, client, queues, 1, () => commitToReceipt(admin, consumer));
    console.log(
      `\nEnd to end at ${RATE_PER_SECOND} events/s for ${RATE_SECONDS} s, one relay polling every 100 ms: ` +
        `${latencies.length} events, commit → receipt p50 ${percentile(latencies, 50).toFixed(1)} ms, ` +
        `p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`,
    );
  } finally {
    client.destroy();
    await admin.end();
    await sqs.stop();
  }
}

/** The floor: the relay's messages for the backlog, sent by four senders in batches of ten. */
async function sendStraight(client: SQSClient, queueUrl: string): Promise<number> {
  const bodies = Array.from({ length: BACKLOG }, (_, i) => ({
    group: PUBLISHERS[i % PUBLISHERS.length]!,
    body: sqsSafeJson({
      id: crypto.randomUUID(),
      type: 'work.created',
      payload: { id: crypto.randomUUID(), title: `Bench ${i}`, iswc: null },
    }),
  }));
  let next = 0;
  const started = performance.now();
  await Promise.all(
    PUBLISHERS.map(async () => {
      while (next < bodies.length) {
        const batch = bodies.slice(next, (next += 10));
        await client.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((b, i) => ({
              Id: `e${i}`,
              MessageBody: b.body,
              MessageGroupId: b.group,
              MessageDeduplicationId: crypto.randomUUID(),
            })),
          }),
        );
      }
    }),
  );
  return performance.now() - started;
}

async function writeBacklog(admin: pg.Client): Promise<void> {
  await admin.query(
    `INSERT INTO outbox (publisher_id, aggregate_type, aggregate_id, event_type, actor_type, payload)
     SELECT p.id, 'Work', w.id::text, 'work.created', 'SYSTEM', jsonb_build_object('id', w.id, 'title', 'Bench ' || i, 'iswc', NULL)
       FROM generate_series(1, $1) i, LATERAL (SELECT gen_random_uuid() AS id) w,
            LATERAL (SELECT ($2::uuid[])[1 + i % array_length($2::uuid[], 1)] AS id) p`,
    [BACKLOG, PUBLISHERS],
  );
}

async function withRelays<T>(apiUrl: string, client: SQSClient, queues: EventQueues, count: number, work: () => Promise<T>): Promise<T> {
  const running = Array.from({ length: count }, () => {
    const pool = new pg.Pool({ connectionString: apiUrl, max: 2 });
    const relay = new OutboxRelay({
      pool,
      sqs: client,
      ...queues,
      log: createLogger('bench'),
      pollMs: 100,
      maxAttempts: 8,
      backoffMaxMs: 10_000,
      retentionDays: 7,
    });
    relay.start();
    return { relay, pool };
  });
  try {
    return await work();
  } finally {
    for (const { relay, pool } of running) {
      await relay.stop();
      await pool.end();
    }
  }
}

async function waitUntilDelivered(admin: pg.Client): Promise<void> {
  for (;;) {
    const { rows } = await admin.query(`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`);
    if (rows[0].n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Empties the queue, whatever its messages (the floor's are not events). */
async function drainQueue(client: SQSClient, queueUrl: string): Promise<void> {
  for (;;) {
    const { Messages = [] } = await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    if (Messages.length === 0) return;
    await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((m, i) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
}

/** Commits one event at a time at a fixed rate; the consumer notes when each arrives. */
async function commitToReceipt(admin: pg.Client, consumer: EventConsumer): Promise<number[]> {
  const committed = new Map<string, number>();
  const latencies: number[] = [];
  let writing = true;
  let deadline = Infinity;
  const reading = (async () => {
    while ((writing || latencies.length < committed.size) && Date.now() < deadline) {
      const deliveries = await consumer.poll(1).catch(() => []); // a dropped connection: poll again
      for (const delivery of deliveries) {
        if (delivery.kind !== 'event') continue;
        const at = committed.get(delivery.event.aggregate.id);
        if (at !== undefined) latencies.push(performance.now() - at);
      }
    }
  })();
  const started = performance.now();
  for (let i = 0; i < RATE_PER_SECOND * RATE_SECONDS; i++) {
    const due = started + (i * 1000) / RATE_PER_SECOND;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const id = crypto.randomUUID();
    await admin.query(
      `INSERT INTO outbox (publisher_id, aggregate_type, aggregate_id, event_type, actor_type, payload)
       VALUES ($1, 'Work', $2::text, 'work.created', 'SYSTEM', jsonb_build_object('id', $2::uuid, 'title', 'Latency', 'iswc', NULL))`,
      [PUBLISHERS[i % PUBLISHERS.length], id],
    );
    committed.set(id, performance.now());
  }
  writing = false;
  deadline = Date.now() + 30_000;
  await reading;
  if (latencies.length < committed.size) console.log(`  ${committed.size - latencies.length} events did not arrive within 30 s`);
  return latencies;
}
