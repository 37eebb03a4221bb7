import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { batchedLookup, coalescingWriter, concurrencyLimit } from './work-queues';

describe('batchedLookup (credential lookups in a reconnect storm)', () => {
  const table = new Map([
    ['a', 1],
    ['b', 2],
    ['c', 3],
  ]);

  it('answers the lookups of one turn with one query, each with its own row', async () => {
    const queries: string[][] = [];
    const lookup = batchedLookup(async (keys) => {
      queries.push(keys);
      return new Map(keys.filter((key) => table.has(key)).map((key) => [key, table.get(key)!]));
    });
    const answers = await Promise.all(['a', 'b', 'nobody', 'a', 'c'].map((key) => lookup(key)));
    expect(answers).toEqual([1, 2, undefined, 1, 3]);
    // The repeated key is asked for once.
    expect(queries).toEqual([['a', 'b', 'nobody', 'c']]);
  });

  it('splits a large turn into queries of at most maxBatch keys', async () => {
    const queries: string[][] = [];
    const lookup = batchedLookup(async (keys) => {
      queries.push(keys);
      return new Map(keys.map((key) => [key, key.length]));
    }, 2);
    const answers = await Promise.all(['x', 'yy', 'zzz', 'wwww', 'vvvvv'].map((key) => lookup(key)));
    expect(answers).toEqual([1, 2, 3, 4, 5]);
    expect(queries).toEqual([['x', 'yy'], ['zzz', 'wwww'], ['vvvvv']]);
  });

  it('remembers nothing: a later turn reads the table as it is then', async () => {
    const rows = new Map([['a', 'enabled']]);
    let queries = 0;
    const lookup = batchedLookup(async (keys) => {
      queries += 1;
      return new Map(keys.filter((key) => rows.has(key)).map((key) => [key, rows.get(key)!]));
    });
    expect(await lookup('a')).toBe('enabled');
    rows.delete('a'); // disabled meanwhile
    await nextTurn();
    expect(await lookup('a')).toBeUndefined();
    expect(queries).toBe(2);
  });

  it('a failed query fails only its own lookups, and the next turn queries again', async () => {
    let fail = true;
    const lookup = batchedLookup(async (keys) => {
      if (fail && keys.includes('bad')) throw new Error('database unavailable');
      return new Map(keys.map((key) => [key, key]));
    }, 1);
    const [good, bad] = await Promise.allSettled([lookup('good'), lookup('bad')]);
    expect(good).toEqual({ status: 'fulfilled', value: 'good' });
    expect(bad).toMatchObject({ status: 'rejected', reason: { message: 'database unavailable' } });
    fail = false;
    expect(await lookup('bad')).toBe('bad');
  });
});

describe('concurrencyLimit', () => {
  it('runs at most the limit at once, starts the rest in the order given, and survives a failing task', async () => {
    const limit = concurrencyLimit(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const release: (() => void)[] = [];
    const tasks = [0, 1, 2, 3, 4].map((n) =>
      limit(async () => {
        started.push(n);
        running += 1;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => release.push(resolve));
        running -= 1;
        if (n === 1) throw new Error('news lost');
      }),
    );
    await nextTurn();
    expect(started).toEqual([0, 1]);
    while (started.length < 5 || release.length > 0) {
      release.shift()?.();
      await nextTurn();
    }
    await Promise.all(tasks); // none rejects: a failed task is dropped
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
  });
});

describe('coalescingWriter (heartbeats and presences)', () => {
  type Item = { key: string; n: number };
  const sum = (queued: Item | undefined, next: Item): Item => ({
    key: next.key,
    n: (queued?.n ?? 0) + next.n,
  });

  it('writes what arrives during a write in the next batch, one entry per key, at most maxBatch', async () => {
    const batches: Item[][] = [];
    let release: () => void = () => undefined;
    const queue = coalescingWriter<Item>({
      key: (item) => item.key,
      merge: sum,
      write: async (batch) => {
        batches.push(batch);
        if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
        return [];
      },
      maxBatch: 2,
    });
    queue({ key: 'a', n: 1 }); // written at once, and held
    for (const key of ['b', 'c', 'b', 'd']) queue({ key, n: 1 });
    release();
    await expect.poll(() => batches.length).toBe(3);
    expect(batches).toEqual([
      [{ key: 'a', n: 1 }],
      [
        { key: 'b', n: 2 },
        { key: 'c', n: 1 },
      ],
      [{ key: 'd', n: 1 }],
    ]);
  });

  it('tries a failed entry again, merged under what came for its key meanwhile', async () => {
    const batches: Item[][] = [];
    const queue = coalescingWriter<Item>({
      key: (item) => item.key,
      merge: sum,
      write: async (batch) => {
        batches.push(batch);
        if (batches.length === 1) {
          queue({ key: 'a', n: 10 });
          return batch;
        }
        return [];
      },
      maxBatch: 10,
      retryMs: 1,
    });
    queue({ key: 'a', n: 1 });
    await expect.poll(() => batches.length).toBe(2);
    expect(batches[1]).toEqual([{ key: 'a', n: 11 }]);
  });
});
