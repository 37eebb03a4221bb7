/**
 * Load shapes for the relay benchmark. Both run a warm-up and a measured window back to back, so
 * queues and connection pools are already in their steady state when counting starts.
 */

export type Outcome = { ok: true } | { ok: false; error: string };

export interface LoadResult {
  /** Successful requests that started inside the measured window (ms, send → answer). */
  latencies: number[];
  /** Requests inside the measured window that failed (error answer, HTTP error, timeout). */
  errors: number;
  /** A few distinct failure messages, for the report. */
  errorSamples: string[];
  /** Answers (good or bad) that arrived inside the measured window, per second. */
  completedPerSec: number;
  /** Every answer, warm-up included. */
  answeredTotal: number;
  measuredMs: number;
  /** Open loop only: how late the generator fired compared with its schedule (p99, max). */
  sendLagP99Ms?: number;
  sendLagMaxMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class Recorder {
  readonly latencies: number[] = [];
  errors = 0;
  completedInWindow = 0;
  answeredTotal = 0;
  readonly errorSamples = new Set<string>();

  constructor(
    private readonly windowStart: number,
    private readonly windowEnd: number,
  ) {}

  record(sentAt: number, doneAt: number, outcome: Outcome): void {
    this.answeredTotal += 1;
    if (doneAt >= this.windowStart && doneAt <= this.windowEnd) this.completedInWindow += 1;
    if (sentAt < this.windowStart || sentAt > this.windowEnd) return;
    if (outcome.ok) this.latencies.push(doneAt - sentAt);
    else {
      this.errors += 1;
      if (this.errorSamples.size < 5) this.errorSamples.add(outcome.error.slice(0, 300));
    }
  }

  result(extra: Partial<LoadResult> = {}): LoadResult {
    const measuredMs = this.windowEnd - this.windowStart;
    return {
      latencies: this.latencies,
      errors: this.errors,
      errorSamples: [...this.errorSamples],
      completedPerSec: (this.completedInWindow * 1000) / measuredMs,
      answeredTotal: this.answeredTotal,
      measuredMs,
      ...extra,
    };
  }
}

async function attempt(send: () => Promise<Outcome>): Promise<Outcome> {
  try {
    return await send();
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Open loop: requests leave on a fixed clock (`ratePerSec`), whether or not earlier ones have
 * answered, so a slow answer never slows the offered load down. Latency runs from the moment each
 * request is handed to the HTTP client; the generator's own lateness is reported separately.
 */
export async function openLoop(
  send: (seq: number) => Promise<Outcome>,
  options: { ratePerSec: number; warmupMs: number; durationMs: number },
): Promise<LoadResult> {
  const interval = 1000 / options.ratePerSec;
  const total = Math.round(((options.warmupMs + options.durationMs) * options.ratePerSec) / 1000);
  const start = performance.now();
  const recorder = new Recorder(start + options.warmupMs, start + options.warmupMs + options.durationMs);
  const lags: number[] = [];
  const inFlight = new Set<Promise<void>>();
  for (let seq = 0; seq < total; seq += 1) {
    const due = start + seq * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const sentAt = performance.now();
    if (due >= start + options.warmupMs) lags.push(sentAt - due);
    const request = attempt(() => send(seq)).then((outcome) => {
      recorder.record(sentAt, performance.now(), outcome);
      inFlight.delete(request);
    });
    inFlight.add(request);
  }
  await Promise.all(inFlight);
  lags.sort((a, b) => a - b);
  return recorder.result({
    sendLagP99Ms: lags[Math.min(lags.length - 1, Math.ceil(lags.length * 0.99) - 1)] ?? 0,
    sendLagMaxMs: lags[lags.length - 1] ?? 0,
  });
}

/**
 * Closed loop: `clients` independent clients, each sending its next request as soon as the last
 * one answered, for a bounded time. What comes out per second is the sustained throughput.
 */
export async function closedLoop(
  clients: number,
  send: (client: number, seq: number) => Promise<Outcome>,
  options: { warmupMs: number; durationMs: number },
): Promise<LoadResult> {
  const start = performance.now();
  const end = start + options.warmupMs + options.durationMs;
  const recorder = new Recorder(start + options.warmupMs, end);
  let seq = 0;
  const client = async (index: number) => {
    while (performance.now() < end) {
      const sentAt = performance.now();
      const outcome = await attempt(() => send(index, seq++));
      recorder.record(sentAt, performance.now(), outcome);
      // A failing chain answers at once: do not spin on it.
      if (!outcome.ok) await sleep(10);
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, index) => client(index)));
  return recorder.result();
}
