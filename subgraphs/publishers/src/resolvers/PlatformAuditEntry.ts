import type { PlatformAuditEntryResolvers } from '../generated/resolvers-types';

export const PlatformAuditEntry: PlatformAuditEntryResolvers = {
  sequence: (entry) => entry.sequence.toString(),
};
