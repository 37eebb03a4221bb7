/**
 * Runs at most `limit` of the given tasks at once, the rest in the order given. Tasks never throw
 * out: what goes through here is news (a register list, register.info, pending commands sent again
 * to an agent coming online), and the agent's next coming online asks again.
 */
export function concurrencyLimit(limit: number): (task: () => Promise<unknown>) => Promise<void> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    // A finished task hands its slot straight to the next waiting one.
    if (running < limit) running += 1;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      await task();
    } catch {
      // See above: news, not a command.
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running -= 1;
    }
  };
}

/**
 * Lookups by key asked for in the same turn of the event loop, answered by one query per
 * `maxBatch` keys. A reconnect storm asks for thousands of agents' credentials within seconds:
 * one round trip for each costs the cloud a query built, written to PostgreSQL's socket and read
 * back per agent (the cloud's CPU, not PostgreSQL's, is what runs out). Nothing is remembered
 * between batches: every lookup reads the database as it is now.
 */
export function batchedLookup<V>(
  fetchMany: (keys: string[]) => Promise<Map<string, V>>,
  maxBatch = 500,
): (key: string) => Promise<V | undefined> {
  let queued = new Map<
    string,
    { resolve: (value: V | undefined) => void; reject: (error: unknown) => void }[]
  >();
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const batch = queued;
    queued = new Map();
    const keys = [...batch.keys()];
    for (let start = 0; start < keys.length; start += maxBatch) {
      const slice = keys.slice(start, start + maxBatch);
      Promise.resolve()
        .then(() => fetchMany(slice))
        .then(
          (found) => {
            for (const key of slice)
              for (const waiter of batch.get(key) ?? []) waiter.resolve(found.get(key));
          },
          (error: unknown) => {
            for (const key of slice) for (const waiter of batch.get(key) ?? []) waiter.reject(error);
          },
        );
    }
  };
  return (key) =>
    new Promise((resolve, reject) => {
      const waiters = queued.get(key) ?? [];
      waiters.push({ resolve, reject });
      queued.set(key, waiters);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
}

/**
 * One writer for news that arrives faster than one write each can keep up with (agents'
 * heartbeats and presences): what arrives while a batch is written waits, one entry per key
 * (`merge` folds a newer one into what is queued), and goes in the next batch of at most `maxBatch`.
 * Memory holds at most one entry per key however far behind the database is. `write` returns what
 * must be tried again: it is queued behind anything newer of the same keys, after a pause that
 * doubles from `retryMs` up to `retryMaxMs`.
 */
export function coalescingWriter<T>(options: {
  key: (item: T) => string;
  merge: (queued: T | undefined, next: T) => T;
  write: (batch: T[]) => Promise<T[]>;
  maxBatch: number;
  retryMs?: number;
  retryMaxMs?: number;
}): (item: T) => void {
  const { key, merge, write, maxBatch, retryMs = 200, retryMaxMs = 5_000 } = options;
  const queued = new Map<string, T>();
  const enqueue = (item: T) => queued.set(key(item), merge(queued.get(key(item)), item));
  let writing = false;
  const drain = async () => {
    writing = true;
    try {
      let pause = retryMs;
      while (queued.size > 0) {
        const batch = [...queued.values()].slice(0, maxBatch);
        for (const item of batch) queued.delete(key(item));
        const failed = await write(batch);
        if (failed.length === 0) {
          pause = retryMs;
          continue;
        }
        const newer = [...queued.values()];
        queued.clear();
        for (const item of [...failed, ...newer]) enqueue(item);
        await new Promise((resolve) => setTimeout(resolve, pause).unref());
        pause = Math.min(pause * 2, retryMaxMs);
      }
    } finally {
      writing = false;
    }
  };
  return (item) => {
    enqueue(item);
    if (!writing) void drain();
  };
}
