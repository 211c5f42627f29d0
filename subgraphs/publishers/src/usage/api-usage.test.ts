import { describe, expect, it } from 'vitest';
import { percentile } from './api-usage';

const BOUNDS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
const histogram = (counts: Record<number, number>) => Array.from({ length: 12 }, (_, i) => counts[i] ?? 0);

describe('percentiles from a latency histogram', () => {
  it('interpolates within the bucket where the rank falls', () => {
    // 100 calls: 50 in (5, 10], 50 in (10, 25].
    const buckets = histogram({ 1: 50, 2: 50 });
    expect(percentile(buckets, BOUNDS, 25, 0.5)).toBe(10);
    expect(percentile(buckets, BOUNDS, 25, 0.25)).toBe(7.5);
    expect(percentile(buckets, BOUNDS, 25, 0.99)).toBeCloseTo(24.7);
  });

  it('never answers beyond the slowest call, and ends the open bucket there', () => {
    expect(percentile(histogram({ 2: 10 }), BOUNDS, 12, 0.99)).toBeLessThanOrEqual(12);
    expect(percentile(histogram({ 11: 4 }), BOUNDS, 30_000, 1)).toBe(30_000);
    expect(percentile(histogram({ 11: 4 }), BOUNDS, 30_000, 0.5)).toBe(20_000);
  });

  it('is 0 with no calls', () => {
    expect(percentile(histogram({}), BOUNDS, 0, 0.95)).toBe(0);
  });
});
