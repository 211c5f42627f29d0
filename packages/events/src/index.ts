export { recordChange, recordChanges, type Change, type ChangeActor } from './change-log';
export { AUDIT_ACTIONS, isAuditAction, type AuditAction } from './actions';
export { CHAINED_ENTRY_COLUMNS, ChainVerifier, describeBreak, entryHash, type ChainBreak, type ChainedEntry } from './audit-chain';
