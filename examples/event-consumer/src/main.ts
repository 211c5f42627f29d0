// pnpm --filter @platform/example-event-consumer start: prints the platform's events as they come.
// SQS_QUEUE_URL names the queue (default: publishing-events.fifo at SQS_ENDPOINT, which defaults to
// the embedded SQS of `pnpm start`); AWS_REGION and credentials as for the platform.
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { EMBEDDED_SQS_ENDPOINT, EVENT_QUEUE_NAME, eventQueueClient } from '@platform/events/queue';
import { EventConsumer } from './event-consumer';

const endpoint = process.env.SQS_ENDPOINT || (process.env.SQS_QUEUE_URL ? null : EMBEDDED_SQS_ENDPOINT);
const sqs = eventQueueClient({ endpoint, region: process.env.AWS_REGION || 'us-east-1', queueUrl: null, dlqUrl: null });
const queueUrl = process.env.SQS_QUEUE_URL || (await sqs.send(new GetQueueUrlCommand({ QueueName: EVENT_QUEUE_NAME }))).QueueUrl!;
const consumer = new EventConsumer(sqs, queueUrl, (event) => {
  console.log(
    `${event.occurredAt} ${event.publisherId} #${event.sequence} ${event.type} ${event.aggregate.type} ${event.aggregate.id} by ${event.actor.type}`,
  );
});

let running = true;
process.once('SIGINT', () => (running = false));
console.log(`reading ${queueUrl} (Ctrl-C to stop)`);
while (running) {
  try {
    for (const delivery of await consumer.poll(10)) {
      if (delivery.kind === 'duplicate') console.log(`skipped ${delivery.event.id}: seen already`);
      if (delivery.kind === 'unreadable') console.log(`left ${delivery.messageId} on the queue: ${delivery.reason}`);
    }
  } catch (error) {
    console.error(`could not read the queue: ${error instanceof Error ? error.message : error}; retrying in 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
  }
}
if (consumer.outOfOrder.length) console.log(`events out of order: ${JSON.stringify(consumer.outOfOrder)}`);
sqs.destroy();
