export {
  requestHeader,
  requestIdOf,
  serveGraphQL,
  type CorsOptions,
  type PostRoute,
  type Route,
  type RouteResponse,
  type RunningHttpServer,
} from './http-server';
export { clientAddress } from './client-address';
