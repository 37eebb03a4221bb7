/**
 * The frames of one POS connection, handled one at a time in the order they came, so their
 * answers leave in request order (seed 000 frames carry no correlation id: a client matches an
 * answer to its request by order and event name). At most `limit` frames wait; beyond that the
 * caller answers at once (register busy) instead of queueing without bound.
 */
export class FrameQueue {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  constructor(private readonly limit: number) {}

  /** Queues a frame's handling; false when the queue is full (nothing queued). Never rejects. */
  push(handle: () => Promise<void>): boolean {
    if (this.waiting >= this.limit) return false;
    this.waiting += 1;
    this.tail = this.tail
      .then(handle)
      .catch(() => undefined)
      .finally(() => {
        this.waiting -= 1;
      });
    return true;
  }

  /** Resolves once every frame queued so far has been answered. */
  idle(): Promise<void> {
    return this.tail;
  }
}

/**
 * Calls `then` for each connection once its queue has answered what it holds (a stopping cloud
 * closes each POS connection as soon as it owes nothing); resolves when every one has, or after
 * `maxMs`, whichever is first.
 */
export async function drainEach<K>(
  queues: ReadonlyMap<K, FrameQueue>,
  then: (connection: K) => void,
  maxMs: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all([...queues].map(([connection, queue]) => queue.idle().then(() => then(connection)))),
    new Promise((resolve) => (timer = setTimeout(resolve, maxMs))),
  ]);
  clearTimeout(timer);
}
