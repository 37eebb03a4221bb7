/** Latency summaries for the relay benchmark. Every figure is in milliseconds. */

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of an ascending list (`p` in 0–100): the smallest value with p % at or below it. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export function summarise(latencies: readonly number[]): LatencySummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  const sum = sorted.reduce((total, x) => total + x, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length ? (sorted[sorted.length - 1] as number) : Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
  };
}

/**
 * What the relay adds: the chain's percentile minus the direct call's. Percentiles do not subtract
 * per request (the two runs are different requests), so this is the difference of the percentiles.
 */
export function overhead(chain: LatencySummary, direct: LatencySummary): { p50: number; p99: number } {
  return { p50: chain.p50 - direct.p50, p99: chain.p99 - direct.p99 };
}

/** "1.23 ms" with sensible precision for the tables. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return '—';
  return `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0)} ms`;
}
