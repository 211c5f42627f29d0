import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { EventFormatError, parseEvent, type EventEnvelope } from '@platform/events';

/** What a consumer makes of one message. */
export type Delivery =
  | { kind: 'event'; event: EventEnvelope }
  /** Seen already (a redelivery, or the relay's resend after a crash): skipped. */
  | { kind: 'duplicate'; event: EventEnvelope }
  /** Not an event of this catalogue: left on the queue, to reach the dead-letter queue after five receives. */
  | { kind: 'unreadable'; messageId: string; reason: string };

/**
 * How to read the platform's events: long-poll the FIFO queue, check each message against the
 * event catalogue, skip an event already seen (delivery is at least once), handle the rest in
 * order, and delete only what was handled. Within a publisher, events come in `sequence` order;
 * a consumer that must never miss one checks that each sequence is the last one plus one.
 *
 * Seen ids are kept in memory here; a real consumer keeps them where it keeps its own state, in
 * the same transaction as what it does with the event.
 */
export class EventConsumer {
  private readonly seen = new Set<string>();
  /** The last sequence handled per publisher. */
  readonly lastSequence = new Map<string, number>();
  /** Events that came with a sequence other than the last one plus one (a gap, or one overtaking another). */
  readonly outOfOrder: { publisherId: string; expected: number; got: number }[] = [];

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly handle: (event: EventEnvelope) => Promise<void> | void = () => {},
  ) {}

  /** One receive (up to ten messages, waiting up to `waitSeconds` for the first): what each one was. */
  async poll(waitSeconds = 1): Promise<Delivery[]> {
    const answer = await this.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: this.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: waitSeconds, VisibilityTimeout: 30 }),
    );
    const deliveries: Delivery[] = [];
    const done: Message[] = [];
    for (const message of answer.Messages ?? []) {
      const delivery = await this.take(message);
      deliveries.push(delivery);
      if (delivery.kind !== 'unreadable') done.push(message);
    }
    if (done.length) {
      await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: done.map((m, i) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
    return deliveries;
  }

  private async take(message: Message): Promise<Delivery> {
    let event: EventEnvelope;
    try {
      event = parseEvent(message.Body ?? '');
    } catch (error) {
      if (!(error instanceof EventFormatError)) throw error;
      return { kind: 'unreadable', messageId: message.MessageId ?? '', reason: error.message };
    }
    if (this.seen.has(event.id)) return { kind: 'duplicate', event };
    await this.handle(event);
    this.seen.add(event.id);
    const last = this.lastSequence.get(event.publisherId);
    if (last !== undefined && event.sequence !== last + 1) {
      this.outOfOrder.push({ publisherId: event.publisherId, expected: last + 1, got: event.sequence });
    }
    this.lastSequence.set(event.publisherId, Math.max(last ?? 0, event.sequence));
    return { kind: 'event', event };
  }
}
