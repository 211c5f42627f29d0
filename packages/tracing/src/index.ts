export { activeTraceId, injectTraceContext, inServerSpan, startTracing, type Tracing } from './tracing';
