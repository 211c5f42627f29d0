export { recordChange, recordChanges, type Change, type ChangeActor, type ChangeEvent } from './change-log';
export { AUDIT_ACTIONS, CHANGE_ACTIONS, isAuditAction, type AuditAction, type ChangeAction, type SecurityAction } from './actions';
export {
  SECURITY_EVENT_KINDS,
  SecurityEvents,
  type SecurityEvent,
  type SecurityEventKind,
  type SecurityEventRow,
  type SqlQuery,
} from './security-events';
export { CHAINED_ENTRY_COLUMNS, ChainVerifier, describeBreak, entryHash, type ChainBreak, type ChainedEntry } from './audit-chain';
export { renderEventsDoc } from './events-doc';
export { EVENT_PAYLOADS, EVENT_TYPES, EVENT_VERSIONS, type EventPayload, type EventType } from './event-catalog';
export {
  ACTOR_TYPES,
  ENVELOPE_FIELDS,
  EventFormatError,
  envelopeOf,
  parseEvent,
  type ActorType,
  type EventEnvelope,
  type OutboxRow,
} from './envelope';
