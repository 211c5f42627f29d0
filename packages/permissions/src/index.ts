export { PERMISSIONS, isPermissionKey, type PermissionDefinition, type PermissionKey } from './catalog';
export {
  ROLE_TEMPLATES,
  PUBLISHER_TYPES,
  PUBLISHER_TYPE_POLICIES,
  templatesFor,
  type PublisherType,
  type PublisherTypePolicy,
  type RoleTemplate,
} from './role-templates';
export { renderPermissionsDoc } from './docs';
