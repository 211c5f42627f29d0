import { z } from 'zod';

/**
 * The payload of every event the platform publishes, one schema per event type: the single source
 * of the types `recordChange` accepts, of the validation consumers run (`parseEvent`) and of
 * docs/events.md (`pnpm docs:events`). A payload never holds a secret: no password, token, key
 * hash or bind password. Adding an optional field keeps an event's version; removing or changing
 * one is a new version.
 */
const id = () => z.guid();
const text = () => z.string();
const when = () => z.iso.datetime({ offset: true });
const deleted = (what: string) => z.strictObject({ id: id().describe(`The deleted ${what}'s id`) });
const beforeAfter = <T extends z.ZodType>(value: T, description: string) =>
  z.strictObject({ before: value.describe(`${description} before the change`), after: value.describe(`${description} after it`) });

const writerLines = z
  .array(
    z.strictObject({
      songwriterId: id(),
      share: z
        .string()
        .regex(/^\d{1,3}\.\d{2}$/)
        .describe('Percent of the work, an exact decimal: "33.33"'),
      role: z.enum(['C', 'A', 'CA', 'AR', 'AD', 'TR', 'SA', 'SR']).describe('CWR writer designation code'),
      controlled: z.boolean().describe('Whether the publisher controls this writer'),
    }),
  )
  .describe("The work's writers after the change (shares add up to 100.00); absent when they did not change");
const work = z.strictObject({
  id: id(),
  title: text(),
  alternateTitles: z.array(text()),
  iswc: text().nullable().describe('Normalised ISWC, e.g. T-034.524.680-1'),
  language: text().nullable().describe('ISO 639-1 code'),
  versionType: z.enum(['ORIGINAL', 'MODIFICATION']),
  originalWorkId: id().nullable().describe('The original a MODIFICATION modifies'),
  writers: writerLines.optional(),
});
const songwriter = z.strictObject({
  name: text().describe('First and last name'),
  firstName: text().nullable(),
  lastName: text(),
  ipiNameNumber: text().nullable().describe('IPI name number, 11 digits'),
  ipiBaseNumber: text().nullable().describe('IPI base number, I-000000229-7'),
  society: text().nullable().describe("CISAC code of the songwriter's performing rights society"),
});
const recording = z.strictObject({
  title: text(),
  isrc: text().nullable().describe('Normalised ISRC, 12 characters'),
  artist: text().nullable().optional(),
  durationSeconds: z.number().int().nullable(),
  releaseDate: z.iso.date().nullable().optional(),
  workIds: z.array(id()).optional().describe('The works it records after the change; absent when they did not change'),
});
const aMember = z.strictObject({ userId: id().describe('The member the action was taken on') });
const byDirectory = { via: z.literal('directory') };
const roleKeys = z.array(text()).describe('Role keys');
const accountRole = z.strictObject({ role: text().nullable().describe('Account role key, or null for none') });
const subscription = z.strictObject({ status: text(), trialEndsAt: when().nullable() });
const directorySettings = z.strictObject({
  urls: z.array(text()),
  security: text().describe('How the connection is secured: LDAPS or START_TLS'),
  bindDn: text(),
  userBaseDn: text(),
  userFilter: text(),
  signInMode: text(),
  emailDomains: z.array(text()),
  groupMappings: z.array(z.strictObject({ groupDn: text(), roleKey: text() })),
  breakGlassUsers: z.array(id()).describe('Members who may sign in with a password while the directory is connected'),
  bindPasswordChanged: z.boolean().describe('Whether the bind password was set or changed (the password itself is never sent)'),
});
const partnerClient = { name: text().describe("The partner client's name") };
const supportRequest = z.strictObject({
  grantId: id(),
  reason: text(),
  permissions: z.array(text()),
  durationMinutes: z.number().int(),
});
const supportDecision = z.strictObject({ grantId: id(), operatorId: id(), permissions: z.array(text()) });

export const EVENT_PAYLOADS = {
  'work.created': work.describe('A work was registered'),
  'work.updated': work.describe('A work changed (its fields after the change)'),
  'work.deleted': deleted('work').describe('A work was deleted'),
  'songwriter.created': songwriter.describe('A songwriter was added'),
  'songwriter.updated': songwriter.describe('A songwriter changed (fields after the change)'),
  'songwriter.deleted': deleted('songwriter').describe('A songwriter was removed'),
  'recording.created': recording.describe('A recording was added'),
  'recording.updated': recording.partial().describe('A recording changed (fields after the change)'),
  'recording.deleted': deleted('recording').describe('A recording was removed'),
  'publisher.created': z
    .strictObject({ slug: text(), name: text(), type: text().describe('Publisher type') })
    .describe('A platform operator onboarded the publisher'),
  'publisher.updated': z.strictObject({ name: text() }).describe("The publisher's settings changed"),
  'publisher.suspended': z.strictObject({ reason: text() }).describe('A platform operator suspended the publisher'),
  'publisher.reactivated': z
    .strictObject({ suspendedFor: text().nullable().describe('The reason it had been suspended for') })
    .describe('A platform operator reactivated the publisher'),
  'publisher.type_changed': beforeAfter(z.strictObject({ type: text(), plan: text() }), 'Type and plan').describe(
    "A platform operator changed the publisher's type",
  ),
  'member.invited': z.strictObject({ email: z.email(), roles: roleKeys }).describe('Someone was invited to join'),
  'member.first_owner_invited': z
    .strictObject({ email: z.email(), roles: roleKeys })
    .describe("The publisher's first Owner was invited at onboarding"),
  'member.invitation_revoked': z.strictObject({ email: z.email() }).describe('An open invitation was revoked'),
  'member.joined': z
    .strictObject({ invitationId: id(), newAccount: z.boolean().describe('Whether the person signed up to join') })
    .describe('An invitation was accepted'),
  'member.roles_changed': aMember.describe("A member's roles changed"),
  'member.suspended': aMember.describe('A member was suspended'),
  'member.reinstated': aMember.describe('A suspended member was reinstated'),
  'member.removed': aMember.describe('A member was removed'),
  'member.sessions_revoked': aMember.describe("A member's sessions were ended"),
  'member.provisioned_by_directory': z
    .strictObject({ roles: z.array(id()).describe('Role ids granted'), ...byDirectory })
    .describe('The Active Directory sync or sign-in made someone a member'),
  'member.refused_by_directory': z
    .strictObject({ reason: text(), userDn: text(), ...byDirectory })
    .describe('A directory user signed in but is in no mapped group'),
  'member.roles_changed_by_directory': z
    .strictObject({ roles: roleKeys, ...byDirectory })
    .describe("The directory changed a member's roles"),
  'member.suspended_by_directory': z
    .strictObject({ reason: text(), ...byDirectory })
    .describe('The directory suspended a member (disabled in AD)'),
  'member.reinstated_by_directory': z.strictObject({ roles: roleKeys, ...byDirectory }).describe('The directory reinstated a member'),
  'member.removed_by_directory': z.strictObject({ reason: text(), ...byDirectory }).describe('The directory removed a member'),
  'role.created': z.strictObject({ key: text(), permissions: z.array(text()) }).describe('A custom role was created'),
  'role.updated': z
    .strictObject({ key: text(), permissions: z.array(text()).optional().describe('The permissions after the change, when they changed') })
    .describe('A custom role changed'),
  'role.deleted': z.strictObject({ key: text() }).describe('A custom role was deleted'),
  'account.plan_changed': beforeAfter(z.strictObject({ plan: text() }), 'Plan').describe("The account's plan changed"),
  'account.seat_limit_changed': beforeAfter(z.strictObject({ seatLimit: z.number().int().nullable() }), 'Seat limit').describe(
    "The account's seat limit changed",
  ),
  'account.subscription_changed': z
    .strictObject({
      before: subscription,
      after: subscription,
      billingEventId: text().optional().describe("The billing provider's event, when it came from one"),
    })
    .describe("The account's subscription status changed"),
  'account.role_granted': beforeAfter(accountRole, 'Account role').describe('Someone was given an account role'),
  'account.role_revoked': beforeAfter(accountRole, 'Account role').describe("Someone's account role was taken away"),
  'directory.connected': directorySettings.describe('An Active Directory was connected'),
  'directory.changed': directorySettings.describe("The directory connection's settings changed"),
  'directory.disconnected': z.strictObject({}).describe('The Active Directory was disconnected'),
  'directory.synced': z
    .strictObject({
      mode: text().describe('FULL or INCREMENTAL'),
      created: z.number().int(),
      updated: z.number().int(),
      disabled: z.number().int(),
      removed: z.number().int(),
      unchanged: z.number().int(),
      failed: z.number().int(),
      errors: z.array(text()).describe('The first 20 failures, one line each'),
      startedAt: when(),
      durationMs: z.number(),
    })
    .describe('A directory sync finished'),
  'partner_client.created': z
    .strictObject({ ...partnerClient, permissions: z.array(text()), mode: text(), expiresAt: when().nullable() })
    .describe('A partner API client was created (its key is never in an event)'),
  'partner_client.key_rotated': z.strictObject(partnerClient).describe("A partner client's key was replaced"),
  'partner_client.mode_changed': z
    .strictObject({ ...partnerClient, from: text(), to: text() })
    .describe("A partner client's persisted-query mode changed"),
  'partner_client.revoked': z.strictObject(partnerClient).describe('A partner client was revoked'),
  'persisted_queries.registered': z
    .strictObject({ version: z.number().int(), operations: z.number().int(), added: z.number().int(), removed: z.number().int() })
    .describe('A persisted-query list was registered'),
  'support.requested': supportRequest.describe('A platform operator asked for support access'),
  'support.break_glass': supportRequest.describe('A platform operator took break-glass access (live at once)'),
  'support.approved': supportDecision.describe('An Owner approved support access'),
  'support.denied': supportDecision.describe('An Owner denied support access'),
  'support.revoked': supportDecision.describe('An Owner revoked support access'),
  'security.alert_raised': z
    .strictObject({
      kind: text().describe('The security event kind the rule counts'),
      severity: text(),
      threshold: z.number().int(),
      windowSeconds: z.number().int(),
      observed: z.number().int(),
    })
    .describe("A security rule's threshold was reached (written by the database, migration 014)"),
} as const;

export type EventType = keyof typeof EVENT_PAYLOADS;
export type EventPayload<T extends EventType> = z.input<(typeof EVENT_PAYLOADS)[T]>;

/**
 * Each event type's version; a change that is not additive raises it. Version 2 of the work and
 * songwriter events (catalog depth, #11): shares are exact decimal strings, writer lines carry
 * role and control, and a songwriter's `ipi` became `ipiNameNumber` beside first and last name.
 */
const CHANGED_VERSIONS: Partial<Record<EventType, number>> = {
  'work.created': 2,
  'work.updated': 2,
  'songwriter.created': 2,
  'songwriter.updated': 2,
};
export const EVENT_VERSIONS: Record<EventType, number> = Object.fromEntries(
  Object.keys(EVENT_PAYLOADS).map((type) => [type, CHANGED_VERSIONS[type as EventType] ?? 1]),
) as Record<EventType, number>;

export const EVENT_TYPES = Object.keys(EVENT_PAYLOADS) as EventType[];
