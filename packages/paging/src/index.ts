export { connectionOf, decodeCursor, pageSize, seekAfter, type Connection, type Edge } from './pagination';
export { reportingPeriod, type Period } from './period';
