export {
  connectionOf,
  decodeCursor,
  encodeCursor,
  type CursorPart,
  MAX_PAGE_SIZE,
  pageSize,
  seekAfter,
  type Connection,
  type Edge,
} from './pagination';
