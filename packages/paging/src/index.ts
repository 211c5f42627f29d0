export { connectionOf, decodeCursor, pageSize, seekAfter, type Connection, type Edge } from './pagination';
