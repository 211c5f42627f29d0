/**
 * The permission catalog: the one list that the graphql-shield rules, the seed, the API and the
 * documentation read. Keys are `resource:action`. A permission is added here together with the
 * rule that uses it, never ahead of it: a spec fails for a permission no rule uses.
 */
export interface PermissionDefinition {
  key: string;
  /**
   * Where it is held: PUBLISHER permissions through roles in one publisher (every permission
   * unless said otherwise), PLATFORM permissions through a platform role, in a session without a
   * publisher. A role of one scope never grants a permission of the other.
   */
  scope?: PermissionScope;
  title: string;
  description: string;
  /** Permissions a holder must also hold for this one to make sense. */
  dependsOn: readonly string[];
  /** Set where holding the permission lets someone raise their own rights or others'. */
  escalationWarning?: string;
}

export const PERMISSIONS = [
  {
    key: 'work:read',
    title: 'Read works',
    description: 'See the works of the publisher, with their writers, shares and recordings.',
    dependsOn: [],
  },
  {
    key: 'work:write',
    title: 'Create and edit works',
    description: 'Register new works and change titles, ISWCs, writers and shares.',
    dependsOn: ['work:read'],
  },
  {
    key: 'work:import',
    title: 'Import works',
    description: 'Register many works at once from a CSV file, creating the songwriters it names.',
    dependsOn: ['work:write', 'songwriter:write'],
  },
  {
    key: 'work:delete',
    title: 'Delete works',
    description: 'Remove works from the catalog. Deleted works stop appearing in every query.',
    dependsOn: ['work:read'],
  },
  {
    key: 'songwriter:read',
    title: 'Read songwriters',
    description: 'List the songwriters of the publisher. Writers of a readable work are visible through it anyway.',
    dependsOn: [],
  },
  {
    key: 'songwriter:write',
    title: 'Manage songwriters',
    description: 'Add songwriters, change their names and IPI numbers, and remove those who write no work.',
    dependsOn: ['songwriter:read'],
  },
  {
    key: 'recording:read',
    title: 'Read recordings',
    description: 'See the recordings of the publisher and the works they embody.',
    dependsOn: [],
  },
  {
    key: 'recording:write',
    title: 'Manage recordings',
    description: 'Add, change and remove recordings (title, ISRC, duration).',
    dependsOn: ['recording:read'],
  },
  {
    key: 'member:read',
    title: 'See members',
    description: 'List the members of the publisher, their roles and status, and explain their access.',
    dependsOn: [],
  },
  {
    key: 'member:invite',
    title: 'Invite members',
    description: 'Invite people by email, with roles chosen at invitation (never beyond your own permissions).',
    dependsOn: ['member:read'],
    escalationWarning: 'Invitations grant roles: a holder can bring in accounts with any of their own permissions.',
  },
  {
    key: 'member:manage',
    title: 'Manage members',
    description: "Change members' roles, suspend or remove them, and end their sessions in the publisher.",
    dependsOn: ['member:read'],
    escalationWarning: 'A holder can change what other members may do, though never beyond their own permissions.',
  },
  {
    key: 'role:manage',
    title: 'Manage roles',
    description: 'Create, edit and delete custom roles (publisher types that allow them).',
    dependsOn: ['member:read'],
    escalationWarning: 'A holder shapes what roles grant, though never beyond their own permissions.',
  },
  {
    key: 'publisher:manage',
    title: 'Manage the publisher',
    description: 'Change the name and settings of the publisher.',
    dependsOn: [],
  },
  {
    key: 'directory:read',
    title: 'See the directory connection',
    description: 'See the Active Directory connection of the publisher (never its bind password), its group mappings and the last sync.',
    dependsOn: [],
  },
  {
    key: 'directory:manage',
    title: 'Manage the directory connection',
    description: 'Connect, test and sync the Active Directory of the publisher; choose its email domains, sign-in mode and group mappings.',
    dependsOn: ['directory:read'],
    escalationWarning:
      'Group mappings grant roles to everyone in an AD group, and the sign-in mode decides who may use a password: a holder controls who gets in (never with roles beyond their own permissions).',
  },
  {
    key: 'partner:manage',
    title: 'Manage partner access',
    description:
      "Create, rotate and revoke the publisher's partner API keys, choose what each may do, and register the persisted queries partners may call.",
    dependsOn: [],
    escalationWarning:
      'A partner key acts without a person signed in, until it is revoked or expires: a holder can hand an outside system any permission they hold themselves.',
  },
  {
    key: 'billing:read',
    title: 'See billing',
    description: 'See the account that owns the publisher: plan, seat limit and subscription status.',
    dependsOn: [],
  },
  {
    key: 'billing:manage',
    title: 'Manage billing',
    description: 'Change the plan and the seat limit of the account (shared by every publisher it owns).',
    dependsOn: ['billing:read'],
  },
  {
    key: 'audit:read',
    title: 'Read the audit log',
    description: 'See who changed what in the publisher, and when.',
    dependsOn: [],
  },
  {
    key: 'security:read',
    title: 'See security monitoring',
    description:
      "See the publisher's security events (failed sign-ins, lockouts, denied operations, probes, misused partner keys) and the alerts they raised.",
    dependsOn: [],
  },
  {
    key: 'usage:read',
    title: 'See API usage',
    description: "See the publisher's API calls per day, caller and operation, with errors and latency, against the plan's monthly limit.",
    dependsOn: [],
  },
  {
    key: 'support:approve',
    title: 'Decide support access',
    description:
      "Approve or deny a platform operator's request to look inside the publisher, see every request and grant, and revoke a grant at any time.",
    dependsOn: ['member:read'],
    escalationWarning:
      'An approved request lets someone outside the publisher act in it, with the permissions approved (never beyond your own), until it expires or is revoked.',
  },
  {
    key: 'platform:read',
    scope: 'PLATFORM',
    title: 'See every publisher and account',
    description:
      "List every publisher and account of the platform with type, status, plan, seats and last activity, and read the platform's audit log; never a publisher's catalog or members.",
    dependsOn: [],
  },
  {
    key: 'platform:onboard',
    scope: 'PLATFORM',
    title: 'Onboard publishers',
    description: "Create accounts and publishers (with their type's role templates) and invite a new publisher's first Owner.",
    dependsOn: ['platform:read'],
    escalationWarning: 'A holder invites the first Owner of a new publisher: whoever they name holds every one of its permissions.',
  },
  {
    key: 'platform:manage',
    scope: 'PLATFORM',
    title: "Manage publishers' lifecycle",
    description: "Suspend and reactivate publishers, change a publisher's type, and set an account's subscription status.",
    dependsOn: ['platform:read'],
    escalationWarning:
      'A suspension takes every permission from everyone in the publisher, and a subscription status decides what they may change.',
  },
  {
    key: 'platform:offboard',
    scope: 'PLATFORM',
    title: 'Offboard publishers',
    description:
      'Export everything a suspended publisher owns and then delete it from every table, with a report of what was exported and deleted.',
    dependsOn: ['platform:manage'],
    escalationWarning: "A holder removes a publisher's data for good (after its export).",
  },
  {
    key: 'support:request',
    scope: 'PLATFORM',
    title: 'Ask for support access',
    description:
      "Ask a publisher's Owners for access to it, for a support case: with a reason, for at most 24 hours and with the permissions named.",
    dependsOn: ['platform:read'],
  },
  {
    key: 'support:break_glass',
    scope: 'PLATFORM',
    title: 'Break-glass access',
    description:
      "Enter a publisher in an emergency without its Owners' approval, for one hour, with a reason; its Owners are told at once and both audit logs record it.",
    dependsOn: ['support:request'],
    escalationWarning: "A holder can act inside any publisher for an hour without anyone's approval.",
  },
] as const satisfies readonly PermissionDefinition[];

export type PermissionScope = 'PUBLISHER' | 'PLATFORM';

export type PermissionKey = (typeof PERMISSIONS)[number]['key'];

export function scopeOf(permission: PermissionDefinition): PermissionScope {
  return permission.scope ?? 'PUBLISHER';
}

/** What roles in a publisher may grant. */
export const PUBLISHER_PERMISSIONS: readonly PermissionKey[] = PERMISSIONS.filter((p) => scopeOf(p) === 'PUBLISHER').map((p) => p.key);

/** What platform roles may grant. */
export const PLATFORM_PERMISSIONS: readonly PermissionKey[] = PERMISSIONS.filter((p) => scopeOf(p) === 'PLATFORM').map((p) => p.key);

const KEYS: ReadonlySet<string> = new Set(PERMISSIONS.map((p) => p.key));

export function isPermissionKey(key: string): key is PermissionKey {
  return KEYS.has(key);
}

const PUBLISHER_KEYS: ReadonlySet<string> = new Set(PUBLISHER_PERMISSIONS);

/** A permission a publisher's role or partner key may hold: platform permissions never are. */
export function isPublisherPermission(key: string): key is PermissionKey {
  return PUBLISHER_KEYS.has(key);
}
