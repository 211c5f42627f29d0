export {
  badUserInput,
  createErrorFormatter,
  forbidden,
  notFound,
  rateLimited,
  rateLimitedRequest,
  rateLimitedResponse,
  unauthenticated,
  unauthenticatedRequest,
  forbiddenRequest,
  type ErrorCode,
} from './errors';
export { createLogger, type Logger } from './logger';
export { requestHeader, serveGraphQL, type Route, type RunningHttpServer } from './http-server';
export {
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
export { startSubgraph, startSubgraphService, type SubgraphDefinition, type SubgraphRuntime, type SubgraphService } from './subgraph';
export { DateTimeScalar, JSONScalar } from './scalars';
export { inputGuardPlugin, inputProblem, MAX_INPUT_DEPTH } from './input-guard';
export { ConfigurationError, portOf, readServiceConfig, type RateLimitSettings, type ServiceConfig } from './config';
export { runServiceProcess } from './service-process';
export { assertPinnedRuntime, majorOf, pinnedNodeVersion } from './runtime';
export { clientAddress, trustedProxiesFrom } from './client-address';
export {
  connectionOf,
  decodeCursor,
  encodeCursor,
  type CursorPart,
  MAX_PAGE_SIZE,
  pageSize,
  seekAfter,
  type Connection,
  type Edge,
} from './pagination';
export { LogMailer, MemoryMailer, type MailMessage, type Mailer } from './mailer';
export { PublisherLanes, type LaneSettings } from './publisher-lanes';
