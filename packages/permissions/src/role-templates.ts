import { PERMISSIONS, type PermissionKey } from './catalog';

export type PublisherType = 'ENTERPRISE' | 'PLATFORM' | 'BOUTIQUE';
export const PUBLISHER_TYPES: readonly PublisherType[] = ['ENTERPRISE', 'PLATFORM', 'BOUTIQUE'];

/** A role every publisher of the listed types is created with; templates cannot be edited. */
export interface RoleTemplate {
  key: string;
  name: string;
  description: string;
  permissions: readonly PermissionKey[];
  publisherTypes: readonly PublisherType[];
}

const ALL = PERMISSIONS.map((p) => p.key);
const CATALOG_READ: PermissionKey[] = ['work:read', 'songwriter:read', 'recording:read'];

export const ROLE_TEMPLATES: readonly RoleTemplate[] = [
  {
    key: 'owner',
    name: 'Owner',
    description: 'Everything in the publisher, including its members and billing.',
    permissions: ALL,
    publisherTypes: PUBLISHER_TYPES,
  },
  {
    key: 'admin',
    name: 'Admin',
    description: 'Runs the publisher day to day: catalog, members and roles.',
    permissions: ALL,
    publisherTypes: PUBLISHER_TYPES,
  },
  {
    key: 'catalog-manager',
    name: 'Catalog Manager',
    description: 'Owns the catalog: creates, edits and deletes works.',
    permissions: [...CATALOG_READ, 'work:write', 'work:delete'],
    publisherTypes: PUBLISHER_TYPES,
  },
  {
    key: 'editor',
    name: 'Editor',
    description: 'Creates and edits works, but cannot delete them.',
    permissions: [...CATALOG_READ, 'work:write'],
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
    key: 'client',
    name: 'Client',
    // Granted no catalog permission until the per-writer row filter exists (see README):
    // a client must never see the rest of the publisher's catalog, so deny is the safe default.
    description: 'A client songwriter of a platform publisher: sees only works they wrote.',
    permissions: [],
    publisherTypes: ['PLATFORM'],
  },
];

export function templatesFor(type: PublisherType): RoleTemplate[] {
  return ROLE_TEMPLATES.filter((t) => t.publisherTypes.includes(type));
}
