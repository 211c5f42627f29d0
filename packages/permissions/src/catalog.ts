/**
 * The permission catalog: the one list that the graphql-shield rules, the seed, the API and the
 * documentation read. Keys are `resource:action`. A permission is added here together with the
 * rule that uses it, never ahead of it.
 */
export interface PermissionDefinition {
  key: string;
  title: string;
  description: string;
  /** Permissions a holder must also hold for this one to make sense. */
  dependsOn: readonly string[];
  /** Set where holding the permission lets someone raise their own rights. */
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
    key: 'work:delete',
    title: 'Delete works',
    description: 'Remove works from the catalog. Deleted works stop appearing in every query.',
    dependsOn: ['work:read'],
  },
  {
    key: 'songwriter:read',
    title: 'Read songwriters',
    description: 'See the songwriters of the publisher and the works they wrote.',
    dependsOn: [],
  },
  {
    key: 'recording:read',
    title: 'Read recordings',
    description: 'See the recordings of the publisher and the works they embody.',
    dependsOn: [],
  },
  {
    key: 'member:manage',
    title: 'Manage members',
    description: "Change members' roles, suspend or remove them, and end their sessions in the publisher.",
    dependsOn: [],
    escalationWarning: 'A holder can change what other members may do, though never beyond their own permissions.',
  },
] as const satisfies readonly PermissionDefinition[];

export type PermissionKey = (typeof PERMISSIONS)[number]['key'];

const KEYS: ReadonlySet<string> = new Set(PERMISSIONS.map((p) => p.key));

export function isPermissionKey(key: string): key is PermissionKey {
  return KEYS.has(key);
}

export function permission(key: PermissionKey): PermissionDefinition {
  return PERMISSIONS.find((p) => p.key === key)!;
}
