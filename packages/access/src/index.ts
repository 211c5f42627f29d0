export {
  actorOf,
  assertLegacyTenantHeader,
  authenticate,
  createContextBuilder,
  LEGACY_TENANT_HEADER,
  requirePrincipal,
  type RequestContext,
} from './request-context';
export { ACCESS_CACHE_MS, cachedAccessLoader, loadAccess, type Access } from './access';
export {
  can,
  entitiesRule,
  entityTypesOf,
  isMember,
  isPublic,
  isSelf,
  permissionsUsedBy,
  protect,
  type EntityAccess,
  type IRules,
} from './shield';
export { PublisherLanes } from './publisher-lanes';
export { assertMayGrant } from './grants';
