export { ServiceMetrics } from './service-metrics';
