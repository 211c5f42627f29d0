import { E_TIMEOUT, Semaphore, withTimeout, type SemaphoreInterface } from 'async-mutex';
import { rateLimitedRequest } from '@platform/graphql-edge';
import type { LaneSettings } from '@platform/service';

interface Lane {
  semaphore: SemaphoreInterface;
  waiting: number;
  active: number;
}

/**
 * One lane per publisher (or per anonymous caller's address): a publisher's requests beyond
 * `concurrency` wait in its own lane, so a flood from one publisher can hold at most that many of
 * a service's database connections and never delays another publisher's turn. A lane is dropped
 * when it is idle, so the map holds only publishers with requests in flight.
 */
export class PublisherLanes {
  private readonly lanes = new Map<string, Lane>();

  constructor(private readonly settings: LaneSettings) {}

  /** Waits for a turn in `key`'s lane; the returned function gives the turn back (once). */
  async enter(key: string): Promise<() => void> {
    const lane = this.laneOf(key);
    if (lane.active >= this.settings.concurrency && lane.waiting >= this.settings.queue) {
      this.dropIfIdle(key, lane);
      throw busy();
    }
    lane.waiting += 1;
    let release: () => void;
    try {
      [, release] = await lane.semaphore.acquire();
    } catch (error) {
      this.dropIfIdle(key, lane);
      throw error === E_TIMEOUT ? busy() : error;
    } finally {
      lane.waiting -= 1;
    }
    lane.active += 1;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      lane.active -= 1;
      release();
      this.dropIfIdle(key, lane);
    };
  }

  /** Requests in flight and waiting, per lane with any (for logs and tests). */
  load(): Map<string, { active: number; waiting: number }> {
    return new Map([...this.lanes].map(([key, { active, waiting }]) => [key, { active, waiting }]));
  }

  private laneOf(key: string): Lane {
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { semaphore: withTimeout(new Semaphore(this.settings.concurrency), this.settings.waitMs, E_TIMEOUT), waiting: 0, active: 0 };
      this.lanes.set(key, lane);
    }
    return lane;
  }

  private dropIfIdle(key: string, lane: Lane): void {
    // A waiter that timed out may still hold a place in the old semaphore's queue; it takes its
    // turn there and gives it straight back, so dropping the lane loses nothing.
    if (lane.active === 0 && lane.waiting === 0 && this.lanes.get(key) === lane) this.lanes.delete(key);
  }
}

const busy = () => rateLimitedRequest('Too many requests of your publisher are in progress; retry shortly', 1);
