export { PERMISSIONS, isPermissionKey, type PermissionDefinition, type PermissionKey } from './catalog';
export { ROLE_TEMPLATES, PUBLISHER_TYPES, templatesFor, type PublisherType, type RoleTemplate } from './role-templates';
export { renderPermissionsDoc } from './docs';
