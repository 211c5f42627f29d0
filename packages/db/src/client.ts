import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client';

export type { PrismaClient };

export interface PrismaClientOptions {
  poolSize?: number;
  /** Called for every SQL statement sent (benchmarks count statements per unit of work). */
  onQuery?: (sql: string) => void;
}

const pools = new WeakMap<PrismaClient, pg.Pool>();

export function createPrismaClient(databaseUrl: string, options: PrismaClientOptions = {}): PrismaClient {
  // A server that accepts no connection (stopped, not answering) fails a request within seconds
  // instead of holding it until a client gives up.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.poolSize ?? 10, connectionTimeoutMillis: 5_000 });
  // A connection that dies while idle (PostgreSQL restarted, an administrator ended it) leaves
  // the pool, and the next query opens another; unheard, its error would end the process.
  pool.on('error', () => {});
  const adapter = new PrismaPg(pool);
  let client: PrismaClient;
  if (options.onQuery) {
    const onQuery = options.onQuery;
    const logging = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
    logging.$on('query', (event) => onQuery(event.query));
    client = logging as unknown as PrismaClient;
  } else {
    client = new PrismaClient({ adapter });
  }
  pools.set(client, pool);
  return client;
}

/** The connections of a client's pool, for the metrics: open, idle, and requests waiting for one. */
export function poolUsageOf(client: PrismaClient): { total: number; idle: number; waiting: number; max: number } | null {
  const pool = pools.get(client);
  return pool ? { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options.max } : null;
}

/** Closes a client and its pool (a pool handed to the adapter stays the caller's to end). */
export async function disconnectPrismaClient(client: PrismaClient): Promise<void> {
  await client.$disconnect();
  const pool = pools.get(client);
  if (pool && !pool.ended) await pool.end();
}
