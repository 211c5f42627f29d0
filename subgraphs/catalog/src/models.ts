// What the resolvers receive for each GraphQL type (the codegen mappers point here).
import type { Recording, Songwriter, Work, WorkWriter } from '@platform/db';
import type { Connection, Edge } from '@platform/paging';

export type WorkModel = Work;
export type SongwriterModel = Songwriter;
export type RecordingModel = Recording;
export type WorkWriterModel = WorkWriter;
export type WorkConnectionModel = Connection<Work>;
export type WorkEdgeModel = Edge<Work>;
export type SongwriterConnectionModel = Connection<Songwriter>;
export type SongwriterEdgeModel = Edge<Songwriter>;
export type RecordingConnectionModel = Connection<Recording>;
export type RecordingEdgeModel = Edge<Recording>;
