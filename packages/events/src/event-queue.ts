import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** Where events go: SQS, or anything speaking its protocol (fauxqs locally). */
export interface EventQueueSettings {
  /** An SQS-compatible endpoint; null: AWS's own for the region. */
  endpoint: string | null;
  region: string;
  /** The FIFO queue to deliver to; null: `publishing-events.fifo` is created at the endpoint. */
  queueUrl: string | null;
  /** The FIFO dead-letter queue; null: `publishing-events-dlq.fifo` is created beside the queue. */
  dlqUrl: string | null;
}

export const EVENT_QUEUE_NAME = 'publishing-events.fifo';
export const DEAD_LETTER_QUEUE_NAME = 'publishing-events-dlq.fifo';
export const EMBEDDED_SQS_ENDPOINT = 'http://127.0.0.1:4566';
/** Receives after which a message a consumer keeps failing moves to the dead-letter queue. */
const CONSUMER_MAX_RECEIVES = 5;

export interface EventQueues {
  queueUrl: string;
  dlqUrl: string;
}

/**
 * A client that fails fast: two attempts per call at most (the second for a connection the server
 * had just closed; the relay has its own backoff), a second to connect and five to answer, so an
 * unreachable or frozen SQS costs a round, never a hang. Credentials come from the SDK's standard
 * chain; a local endpoint takes any.
 */
export function eventQueueClient(settings: EventQueueSettings): SQSClient {
  const local = settings.endpoint !== null && isLoopback(settings.endpoint);
  return new SQSClient({
    region: settings.region,
    maxAttempts: 2,
    // Without throwOnRequestTimeout the handler only warns and goes on waiting for a frozen peer.
    requestHandler: new NodeHttpHandler({ connectionTimeout: 1_000, requestTimeout: 5_000, throwOnRequestTimeout: true }),
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(local ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
}

function isLoopback(endpoint: string): boolean {
  const host = new URL(endpoint).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
}

/**
 * The queues named by the settings, or, where none is named, the platform's two FIFO queues
 * created at the endpoint (creating an existing queue with the same attributes changes nothing).
 * The main queue sends a message its consumers fail five times to the dead-letter queue, where the
 * relay also parks the events SQS refused.
 */
export async function ensureEventQueues(
  client: SQSClient,
  settings: EventQueueSettings,
  /** More attributes of the main queue (a spec makes SQS refuse large messages). */
  queueAttributes: Record<string, string> = {},
): Promise<EventQueues> {
  const fifo = { FifoQueue: 'true', ContentBasedDeduplication: 'false' };
  const dlqUrl =
    settings.dlqUrl ?? (await client.send(new CreateQueueCommand({ QueueName: DEAD_LETTER_QUEUE_NAME, Attributes: fifo }))).QueueUrl!;
  if (settings.queueUrl) return { queueUrl: settings.queueUrl, dlqUrl };
  const dlq = await client.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }));
  const redrive = JSON.stringify({ deadLetterTargetArn: dlq.Attributes!.QueueArn, maxReceiveCount: CONSUMER_MAX_RECEIVES });
  const created = await client.send(
    new CreateQueueCommand({ QueueName: EVENT_QUEUE_NAME, Attributes: { ...fifo, RedrivePolicy: redrive, ...queueAttributes } }),
  );
  return { queueUrl: created.QueueUrl!, dlqUrl };
}

export interface EmbeddedSqs {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * fauxqs, an SQS emulator speaking the real protocol, in this process: the development default.
 * Built and listened to here, on 127.0.0.1 only (its own start listens on every interface).
 */
export async function startEmbeddedSqs(options: { port?: number } = {}): Promise<EmbeddedSqs> {
  const { buildApp } = await import('fauxqs');
  const host = '127.0.0.1';
  const app = buildApp({ logger: false });
  const address = await app.listen({ port: options.port ?? 4566, host });
  const port = Number(new URL(address).port);
  return { endpoint: `http://${host}:${port}`, port, stop: () => app.close() };
}
