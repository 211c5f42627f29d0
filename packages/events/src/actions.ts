import { SECURITY_EVENT_KINDS, type SecurityEventKind } from './security-events';

/**
 * Every change the audit log and the outbox know: the events' public contract. A change names one
 * of these or does not compile.
 */
export const CHANGE_ACTIONS = [
  'work.created',
  'work.updated',
  'work.deleted',
  'songwriter.created',
  'songwriter.updated',
  'songwriter.deleted',
  'recording.created',
  'recording.updated',
  'recording.deleted',
  'publisher.created',
  'publisher.updated',
  'publisher.suspended',
  'publisher.reactivated',
  'publisher.type_changed',
  'member.invited',
  'member.first_owner_invited',
  'member.invitation_revoked',
  'member.joined',
  'member.roles_changed',
  'member.suspended',
  'member.reinstated',
  'member.removed',
  'member.sessions_revoked',
  'member.provisioned_by_directory',
  'member.refused_by_directory',
  'member.roles_changed_by_directory',
  'member.suspended_by_directory',
  'member.reinstated_by_directory',
  'member.removed_by_directory',
  'role.created',
  'role.updated',
  'role.deleted',
  'account.plan_changed',
  'account.seat_limit_changed',
  'account.subscription_changed',
  'account.role_granted',
  'account.role_revoked',
  'directory.connected',
  'directory.changed',
  'directory.disconnected',
  'directory.synced',
  'partner_client.created',
  'partner_client.key_rotated',
  'partner_client.mode_changed',
  'partner_client.revoked',
  'persisted_queries.registered',
  'support.requested',
  'support.break_glass',
  'support.approved',
  'support.denied',
  'support.revoked',
] as const;

export type ChangeAction = (typeof CHANGE_ACTIONS)[number];

/** Security events and the alerts they raise, written to the audit log by the database (migration 014). */
export type SecurityAction = `security.${SecurityEventKind}` | 'security.alert_raised';

export type AuditAction = ChangeAction | SecurityAction;

export const AUDIT_ACTIONS: readonly AuditAction[] = [
  ...CHANGE_ACTIONS,
  ...SECURITY_EVENT_KINDS.map((kind) => `security.${kind}` as const),
  'security.alert_raised',
];

const KNOWN: ReadonlySet<string> = new Set(AUDIT_ACTIONS);

export function isAuditAction(value: string): value is AuditAction {
  return KNOWN.has(value);
}
