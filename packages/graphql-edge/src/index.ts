export {
  createErrorFormatter,
  forbidden,
  rateLimitedRequest,
  rateLimitedResponse,
  unauthenticated,
  unauthenticatedRequest,
  forbiddenRequest,
} from './errors';
export { DateTimeScalar, JSONScalar } from './scalars';
export { inputGuardPlugin } from './input-guard';
