import { PLATFORM_PERMISSIONS, PUBLISHER_PERMISSIONS, type PermissionKey } from './catalog';

export type PublisherType = 'ENTERPRISE' | 'PLATFORM' | 'BOUTIQUE';
export const PUBLISHER_TYPES: readonly PublisherType[] = ['ENTERPRISE', 'PLATFORM', 'BOUTIQUE'];

/** A role every publisher of the listed types is created with; templates cannot be edited. */
export interface RoleTemplate {
  key: string;
  name: string;
  description: string;
  permissions: readonly PermissionKey[];
  publisherTypes: readonly PublisherType[];
  /**
   * Restricts the catalog to works on which the member's linked songwriter is a writer, in the
   * rules and in row-level security. Applies when every role of the member carries it.
   */
  ownWorksOnly?: true;
}

const ALL = PUBLISHER_PERMISSIONS;
const CATALOG_READ: PermissionKey[] = ['work:read', 'songwriter:read', 'recording:read'];

export const ROLE_TEMPLATES: readonly RoleTemplate[] = [
  {
    key: 'owner',
    name: 'Owner',
    description: 'Everything in the publisher, including its members, roles and billing.',
    permissions: ALL,
    publisherTypes: PUBLISHER_TYPES,
  },
  {
    key: 'admin',
    name: 'Admin',
    description: 'Runs the publisher day to day: catalog, members, roles and settings; sees billing.',
    // Money and outsiders' access to the publisher stay with its Owners.
    permissions: ALL.filter((key) => key !== 'billing:manage' && key !== 'support:approve'),
    publisherTypes: PUBLISHER_TYPES,
  },
  {
    key: 'catalog-manager',
    name: 'Catalog Manager',
    description: 'Owns the catalog: creates, imports, edits and deletes works, songwriters and recordings.',
    permissions: [...CATALOG_READ, 'work:write', 'work:import', 'work:delete', 'songwriter:write', 'recording:write'],
    publisherTypes: PUBLISHER_TYPES,
  },
  {
    key: 'editor',
    name: 'Editor',
    description: 'Creates and edits works, songwriters and recordings, but cannot delete works.',
    permissions: [...CATALOG_READ, 'work:write', 'songwriter:write', 'recording:write'],
    publisherTypes: PUBLISHER_TYPES,
  },
  {
    key: 'viewer',
    name: 'Viewer',
    description: 'Reads the catalog and changes nothing.',
    permissions: CATALOG_READ,
    publisherTypes: PUBLISHER_TYPES,
  },
  {
    key: 'billing',
    name: 'Billing',
    description: 'Sees and manages the plan and seats of the account; nothing else.',
    permissions: ['billing:read', 'billing:manage', 'usage:read'],
    publisherTypes: PUBLISHER_TYPES,
  },
  {
    key: 'client',
    name: 'Client',
    description: 'A client songwriter of a platform publisher: sees and edits only the works they wrote.',
    permissions: ['work:read', 'work:write'],
    publisherTypes: ['PLATFORM'],
    ownWorksOnly: true,
  },
];

export function templatesFor(type: PublisherType): RoleTemplate[] {
  return ROLE_TEMPLATES.filter((t) => t.publisherTypes.includes(type));
}

/**
 * A role held outside any publisher by the people who run the platform (`pnpm platform:grant`).
 * It grants PLATFORM permissions only, in a session without a publisher.
 */
export interface PlatformRole {
  key: string;
  name: string;
  description: string;
  permissions: readonly PermissionKey[];
}

export const PLATFORM_ROLES: readonly PlatformRole[] = [
  {
    key: 'platform:operator',
    name: 'Platform operator',
    description: 'Runs the platform: onboards, suspends and changes publishers and accounts; may break the glass into one.',
    permissions: PLATFORM_PERMISSIONS,
  },
  {
    key: 'platform:support',
    name: 'Platform support',
    description: 'Sees every publisher and account and the platform audit log, and asks publishers for support access.',
    permissions: ['platform:read', 'support:request'],
  },
];
