export {
  createErrorFormatter,
  forbidden,
  rateLimitedRequest,
  rateLimitedResponse,
  unauthenticated,
  unauthenticatedRequest,
  forbiddenRequest,
  serviceUnavailableRequest,
} from './errors';
export { DateTimeScalar, JSONScalar } from './scalars';
export { inputGuardPlugin } from './input-guard';
