export {
  createErrorFormatter,
  forbidden,
  rateLimitedRequest,
  rateLimitedResponse,
  unauthenticated,
  unauthenticatedRequest,
  forbiddenRequest,
  type ErrorCode,
} from './errors';
export { DateTimeScalar, JSONScalar } from './scalars';
export { inputGuardPlugin, inputProblem, MAX_INPUT_DEPTH } from './input-guard';
