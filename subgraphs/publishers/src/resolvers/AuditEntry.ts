import type { AuditActorType, AuditEntryResolvers } from '../generated/resolvers-types';

export const AuditEntry: AuditEntryResolvers = {
  sequence: (entry) => Number(entry.seq),
  actorType: (entry) => entry.actorType as AuditActorType,
  actor: (entry) => (entry.actorUserId ? { id: entry.actorUserId } : null),
  clientAddress: (entry) => entry.clientIp,
  hash: (entry) => Buffer.from(entry.hash).toString('hex'),
  previousHash: (entry) => (entry.prevHash ? Buffer.from(entry.prevHash).toString('hex') : null),
};
