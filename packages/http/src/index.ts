export { requestHeader, serveGraphQL, type Route, type RunningHttpServer } from './http-server';
export { clientAddress } from './client-address';
