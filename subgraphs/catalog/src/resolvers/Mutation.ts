import type { MutationResolvers } from '../generated/resolvers-types';
import { importWorks } from '../import/work-import';
import { createRecording, deleteRecording, updateRecording } from '../recordings/recordings';
import { createSongwriter, deleteSongwriter, updateSongwriter } from '../songwriters/songwriters';
import { createWork, deleteWork, updateWork } from '../works/works';

/** A file through the API: up to this many rows, in one transaction of at most a minute. */
export const API_IMPORT_MAX_ROWS = 10_000;
const API_IMPORT_TIMEOUT_MS = 60_000;

export const Mutation: MutationResolvers = {
  createWork: (_, { input }, ctx) => ctx.act((tx, actor) => createWork(tx, actor, input)),
  updateWork: (_, { id, input }, ctx) => ctx.act((tx, actor) => updateWork(tx, actor, id, input)),
  deleteWork: (_, { id }, ctx) => ctx.act((tx, actor) => deleteWork(tx, actor, id)),
  importWorks: (_, { csv }, ctx) =>
    ctx.act((tx, actor) => importWorks(tx, actor, csv, { maxRows: API_IMPORT_MAX_ROWS }), { timeoutMs: API_IMPORT_TIMEOUT_MS }),
  createSongwriter: (_, { input }, ctx) => ctx.act((tx, actor) => createSongwriter(tx, actor, input)),
  updateSongwriter: (_, { id, input }, ctx) => ctx.act((tx, actor) => updateSongwriter(tx, actor, id, input)),
  deleteSongwriter: (_, { id }, ctx) => ctx.act((tx, actor) => deleteSongwriter(tx, actor, id)),
  createRecording: (_, { input }, ctx) => ctx.act((tx, actor) => createRecording(tx, actor, input)),
  updateRecording: (_, { id, input }, ctx) => ctx.act((tx, actor) => updateRecording(tx, actor, id, input)),
  deleteRecording: (_, { id }, ctx) => ctx.act((tx, actor) => deleteRecording(tx, actor, id)),
};
