export { createLogger, type Logger } from './logger';
export {
  ConfigurationError,
  portOf,
  readServiceConfig,
  trustedProxiesFrom,
  type LaneSettings,
  type RateLimitSettings,
  type ServiceConfig,
} from './config';
export { runServiceProcess } from './service-process';
export { assertPinnedRuntime, majorOf, pinnedNodeVersion } from './runtime';
