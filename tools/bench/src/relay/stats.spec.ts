import { describe, expect, it } from 'vitest';
import { overhead, percentile, summarise } from './stats';

describe('latency maths of the relay benchmark', () => {
  it('takes nearest-rank percentiles: the smallest value with p % of the samples at or below it', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1); // 1 … 100
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3], 50)).toBe(2);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarises unsorted samples without changing them', () => {
    const samples = [30, 10, 20, 40];
    const summary = summarise(samples);
    expect(summary).toEqual({ count: 4, p50: 20, p90: 40, p99: 40, max: 40, mean: 25 });
    expect(samples).toEqual([30, 10, 20, 40]);
  });

  it('reports overhead as the difference of the percentiles', () => {
    const direct = summarise([1, 1, 2, 2, 10]);
    const chain = summarise([5, 6, 6, 7, 30]);
    expect(overhead(chain, direct)).toEqual({ p50: 6 - 2, p99: 30 - 10 });
  });
});
