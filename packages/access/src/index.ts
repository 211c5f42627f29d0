export {
  actorOf,
  operatorOf,
  assertLegacyTenantHeader,
  authenticate,
  createContextBuilder,
  LEGACY_TENANT_HEADER,
  partnerWithTenantHeader,
  requirePrincipal,
  requireSession,
  type RequestContext,
} from './request-context';
export { ACCESS_CACHE_MS, cachedAccessLoader, loadAccess, type Access } from './access';
export { underSubscription, type StandingReason, type Subscription, type Withheld } from './account-standing';
export {
  can,
  entitiesRule,
  entityTypesOf,
  isMember,
  isPerson,
  isPublic,
  isSelf,
  permissionsUsedBy,
  protect,
  type EntityAccess,
  type IRules,
} from './shield';
export { PublisherLanes } from './publisher-lanes';
export { assertMayGrant } from './grants';
export { PartnerKeys, partnerKeyOf, type PartnerCaller, type PartnerKeyLookup, type PartnerKeyRow, type RefusedKey } from './partner-keys';
export { Remembered } from './remembered';
