import type { AuditEntryResolvers } from '../generated/resolvers-types';

export const AuditEntry: AuditEntryResolvers = {
  actor: (entry) => (entry.actorUserId ? { id: entry.actorUserId } : null),
};
