export { freePort } from './free-port';
export { createDemoDatabase, createPlatformDatabase, startTestCluster, type TestCluster } from './test-database';
export { startPlatform, type RunningPlatform } from './platform';
export { codesOf, graphql, login, LOGIN, type GraphQLResponse, type Session } from './graphql-client';
export { startOwnPlatform, type OwnPlatform } from './own-platform';
