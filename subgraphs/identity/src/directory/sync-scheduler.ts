import type { Logger } from 'pino';
import type { ScopedDatabase } from '@platform/db';
import { syncDirectory, type SyncResult } from './directory-sync';
import type { DirectoryRuntime } from './runtime';

/** A scheduled sync is FULL (deletions, moves out of scope) when the last FULL one is older than this. */
export const FULL_SYNC_EVERY_MS = 24 * 3600_000;

/** A directory's slug and whether its interval has passed, as `app_directories_to_sync()` tells. */
export interface DirectoryDue {
  publisherId: string;
  slug: string;
  due: boolean;
}

export async function directoriesToSync(db: ScopedDatabase): Promise<DirectoryDue[]> {
  const rows = await db.withScope(
    {},
    (tx) =>
      tx.$queryRaw<{ publisher_id: string; slug: string; due: boolean }[]>`SELECT publisher_id, slug, due FROM app_directories_to_sync()`,
  );
  return rows.map((r) => ({ publisherId: r.publisher_id, slug: r.slug, due: r.due }));
}

/**
 * Runs inside every identity instance: every poll it syncs the directories whose interval has
 * passed. Instances race for each directory's advisory lock; the loser skips it, so a directory is
 * never synced twice at once however many instances run.
 */
export class DirectorySyncScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: ScopedDatabase,
    private readonly runtime: DirectoryRuntime,
    private readonly log: Logger,
  ) {}

  start(pollMs: number): void {
    this.timer = setInterval(() => {
      this.running = this.runDue().catch((error: unknown) => this.log.error({ err: error }, 'scheduled directory sync failed'));
    }, pollMs);
    this.timer.unref();
  }

  /** Syncs every due directory once; answers the syncs this instance ran (skipped ones are left out). */
  async runDue(): Promise<SyncResult[]> {
    const results: SyncResult[] = [];
    for (const { publisherId, slug, due } of await directoriesToSync(this.db)) {
      if (!due) continue;
      const lastFull = await this.db.withScope({ publisherId }, (tx) =>
        tx.directory.findUnique({ where: { publisherId }, select: { lastFullSyncAt: true } }),
      );
      const mode =
        !lastFull?.lastFullSyncAt || Date.now() - lastFull.lastFullSyncAt.getTime() > FULL_SYNC_EVERY_MS ? 'FULL' : 'INCREMENTAL';
      try {
        const result = await syncDirectory(this.db, this.runtime, publisherId, mode, (line) =>
          this.log.info({ event: 'directory.sync', slug }, line),
        );
        if (result) results.push(result);
      } catch (error) {
        this.log.warn({ event: 'directory.sync_failed', slug, err: error }, `scheduled sync of ${slug} failed`);
      }
    }
    return results;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
