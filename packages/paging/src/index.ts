export { connectionOf, decodeCursor, encodeCursor, pageSize, seekAfter, type Connection, type CursorPart, type Edge } from './pagination';
export { reportingPeriod, type Period } from './period';
