export { recordedOperationName, ServiceMetrics } from './service-metrics';
