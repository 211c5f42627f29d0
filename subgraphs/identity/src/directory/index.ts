// What the directory commands (`pnpm directory:sync`, `directory:rekey`, the benchmark) use of
// identity's directory code.
export { directoryRuntime, directorySecrets, DirectoryRuntime } from './runtime';
export { syncDirectory, type SyncMode, type SyncResult } from './directory-sync';
export { directoriesToSync, type DirectoryDue } from './sync-scheduler';
export { DirectorySyncScheduler } from './sync-scheduler';
export { SYNC_OPERATION_TIMEOUT_MS } from './directory-client';
