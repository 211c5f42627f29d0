export { createLogger, type Logger } from './logger';
export { currentRequestScope, requestIdFrom, runInRequestScope, type RequestScope } from './request-scope';
export {
  ConfigurationError,
  portOf,
  readServiceConfig,
  type DirectorySettings,
  type EventSettings,
  type LaneSettings,
  type RateLimitSettings,
  type ServiceConfig,
} from './config';
export { runServiceProcess } from './service-process';
export { assertPinnedRuntime, majorOf, pinnedNodeVersion } from './runtime';
export { CONFIGURATION_TABLE_END, CONFIGURATION_TABLE_START, renderConfigurationTable, SETTINGS } from './settings';
