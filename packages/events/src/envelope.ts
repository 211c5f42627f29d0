import { z } from 'zod';
import { EVENT_PAYLOADS, EVENT_TYPES, EVENT_VERSIONS, type EventType } from './event-catalog';

export const ACTOR_TYPES = ['USER', 'PARTNER_CLIENT', 'PLATFORM_OPERATOR', 'SUPPORT_ACCESS', 'DIRECTORY_SYNC', 'SYSTEM'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

/** What every event carries around its payload; the message body on the queue is this, as JSON. */
export const ENVELOPE_FIELDS = z.strictObject({
  id: z.guid().describe('The event id; also the message deduplication id. A consumer that saw it already skips it'),
  type: z.enum(EVENT_TYPES as [EventType, ...EventType[]]).describe('What happened, e.g. `work.created`'),
  version: z.number().int().positive().describe("The payload's version for this type"),
  publisherId: z.guid().describe('The publisher it happened in; also the message group id'),
  sequence: z
    .number()
    .int()
    .positive()
    .describe("The event's number in its publisher's stream: 1, 2, 3… in the order the changes committed, without gaps"),
  actor: z
    .strictObject({
      type: z.enum(ACTOR_TYPES),
      userId: z.guid().nullable().describe('The person, when one acted (a partner key: the user who issued it)'),
      partnerClientId: z.guid().nullable().describe('The partner key, when one acted'),
    })
    .describe('Who made the change'),
  occurredAt: z.iso.datetime({ offset: true }).describe('When the change was written (its transaction began)'),
  aggregate: z.strictObject({ type: z.string(), id: z.string() }).describe('The object that changed'),
  payload: z.unknown().describe('The event type’s payload (below)'),
});

export type EventEnvelope<T extends EventType = EventType> = {
  [K in T]: Omit<z.output<typeof ENVELOPE_FIELDS>, 'type' | 'payload'> & { type: K; payload: z.output<(typeof EVENT_PAYLOADS)[K]> };
}[T];

/** An outbox row as the relay reads it. */
export interface OutboxRow {
  publisher_id: string;
  id: string;
  seq: string | number | bigint;
  aggregate_type: string;
  aggregate_id: string;
  event_type: string;
  payload: unknown;
  created_at: Date;
  actor_type: string;
  actor_user_id: string | null;
  actor_partner_client_id: string | null;
}

/** The envelope of an outbox row, exactly as it goes on the queue. */
export function envelopeOf(row: OutboxRow): Record<string, unknown> {
  return {
    id: row.id,
    type: row.event_type,
    version: EVENT_VERSIONS[row.event_type as EventType] ?? 1,
    publisherId: row.publisher_id,
    sequence: Number(row.seq),
    actor: { type: row.actor_type, userId: row.actor_user_id, partnerClientId: row.actor_partner_client_id },
    occurredAt: row.created_at.toISOString(),
    aggregate: { type: row.aggregate_type, id: row.aggregate_id },
    payload: row.payload,
  };
}

export class EventFormatError extends Error {}

/**
 * Reads one message body as an event of this catalogue, the envelope and its type's payload both
 * checked: a consumer built with this package knows every field it reads is there.
 */
export function parseEvent(body: string): EventEnvelope {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new EventFormatError('The message body is not JSON');
  }
  const envelope = ENVELOPE_FIELDS.safeParse(json);
  if (!envelope.success) throw new EventFormatError(`Not an event envelope: ${z.prettifyError(envelope.error)}`);
  const payload = EVENT_PAYLOADS[envelope.data.type].safeParse(envelope.data.payload);
  if (!payload.success) {
    throw new EventFormatError(
      `${envelope.data.type} ${envelope.data.id} has a payload of another shape: ${z.prettifyError(payload.error)}`,
    );
  }
  return { ...envelope.data, payload: payload.data } as EventEnvelope;
}
