// What `pnpm pq:publish` uses of identity's partner code.
export { registerPersistedQueries, type PersistedQueryManifest } from './persisted-queries';
