import { LRUCache } from 'lru-cache';

/**
 * Answers remembered per key for `ttlMs`, pending ones included, so that the many requests of
 * one page share one load; a load that fails is forgotten at once, never served.
 */
export class Remembered<V> {
  private readonly answers: LRUCache<string, Promise<V>>;

  /** `onLookup` learns whether each get found a remembered answer (the metrics' hit ratio). */
  constructor(
    ttlMs: number,
    max = 10_000,
    private readonly onLookup?: (hit: boolean) => void,
  ) {
    this.answers = new LRUCache<string, Promise<V>>({ max, ttl: ttlMs });
  }

  get(key: string, load: () => Promise<V>): Promise<V> {
    let answer = this.answers.get(key);
    this.onLookup?.(answer !== undefined);
    if (!answer) {
      answer = load();
      this.answers.set(key, answer);
      answer.catch(() => this.answers.delete(key));
    }
    return answer;
  }

  forget(key: string): void {
    this.answers.delete(key);
  }
}
