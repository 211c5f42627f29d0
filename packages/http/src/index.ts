export { requestHeader, serveGraphQL, type CorsOptions, type Route, type RouteResponse, type RunningHttpServer } from './http-server';
export { clientAddress } from './client-address';
