import type { Tx } from './scoped-database';
import { asServiceUnavailable } from './unavailable';

/** Starts the session's transaction: the scope's, read-only, open until `held` settles. */
export type BeginRead = (held: (tx: Tx) => Promise<void>) => Promise<void>;

interface OpenTransaction {
  tx: Tx;
  finish(): void;
  ended: Promise<void>;
}

/**
 * Every read of one request in one read-only transaction, opened at the first read and ended by
 * `end()` once the response is sent. A page of works with its writers and their songwriters is
 * then one BEGIN, one scope and one COMMIT instead of one of each per DataLoader batch: three
 * fewer round trips per batch, and the request holds one connection instead of taking turns at
 * the pool.
 *
 * The transaction is still the request's own, with its scope set transaction-locally, so it is
 * as safe behind PgBouncer in transaction mode as any other. A read that fails drops the
 * transaction (PostgreSQL would refuse everything after it) and the next read opens another;
 * after `end()` (an export streaming past its response's start) each read is a transaction of
 * its own again.
 */
export class ReadSession {
  private open: Promise<OpenTransaction> | null = null;
  private ended = false;

  constructor(
    private readonly begin: BeginRead,
    /** A read on its own, for after the session has ended. */
    private readonly single: <T>(work: (tx: Tx) => Promise<T>) => Promise<T>,
  ) {}

  async run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    if (this.ended) return this.single(work);
    const opening = (this.open ??= this.start());
    let tx: Tx;
    try {
      ({ tx } = await opening);
    } catch (error) {
      if (this.open === opening) this.open = null;
      throw error;
    }
    try {
      return await work(tx);
    } catch (error) {
      if (this.open === opening) void this.release();
      // Outside withScope's own catch: a connection lost under the read is said the same way.
      throw asServiceUnavailable(error) ?? error;
    }
  }

  /** Commits and gives back the connection, if a read took one. Reads after this run alone. */
  async end(): Promise<void> {
    this.ended = true;
    await this.release();
  }

  /** Ends the open transaction, if any; the next read opens another. */
  async release(): Promise<void> {
    const opening = this.open;
    this.open = null;
    if (!opening) return;
    const open = await opening.catch(() => null);
    if (!open) return;
    open.finish();
    await open.ended.catch(() => {}); // a read that failed has already told its caller
  }

  private start(): Promise<OpenTransaction> {
    return new Promise((resolve, reject) => {
      let finish!: () => void;
      const released = new Promise<void>((done) => (finish = done));
      const ended = this.begin(async (tx) => {
        resolve({ tx, finish, ended });
        await released;
      });
      // Before the transaction opened (no connection, PostgreSQL away) this fails the read that asked.
      ended.catch(reject);
    });
  }
}
