export {
  PERMISSIONS,
  PLATFORM_PERMISSIONS,
  PUBLISHER_PERMISSIONS,
  isPermissionKey,
  isPublisherPermission,
  scopeOf,
  type PermissionDefinition,
  type PermissionKey,
  type PermissionScope,
} from './catalog';
export {
  PLATFORM_ROLES,
  ROLE_TEMPLATES,
  PUBLISHER_TYPES,
  templatesFor,
  type PlatformRole,
  type PublisherType,
  type RoleTemplate,
} from './role-templates';
export { renderPermissionsDoc } from './docs';
