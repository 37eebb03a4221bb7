import mqemitter from 'mqemitter';

type MQEmitter = mqemitter.MQEmitter;

/** How many queued messages are handed on inside one call stack before the rest wait a turn. */
const MAX_SYNC_HANDOFFS = 100;

interface Internals {
  current: number;
  _do(message: unknown, callback: unknown): unknown;
}

/**
 * Aedes's message emitter (mqemitter 7), made safe against a deep queue.
 *
 * Why: Aedes delivers at most `concurrency` (100) messages at once and queues the rest. When a
 * delivery finishes synchronously, mqemitter starts the next queued message from inside that
 * finish, so a queue of thousands is drained by one ever-deeper recursion. A fleet connecting at
 * once queues a few messages per agent (its `$SYS` notices, its retained presence): at about 9,700
 * agents the cloud died with `RangeError: Maximum call stack size exceeded` (mcollina/mqemitter#204,
 * open). Reproduced with the plain emitter: 20,000 queued messages, one slow delivery, crash after
 * 1,244.
 *
 * After {@link MAX_SYNC_HANDOFFS} nested hand-offs the next message waits for the next turn of the
 * event loop instead, in a line of its own. Its slot stays taken meanwhile (`current` is not given
 * back), and every message started while the line is not empty joins its end: messages start in the
 * order they would have without the wait, whichever slot frees first.
 */
export function stackSafeEmitter(options: { concurrency: number }): MQEmitter {
  const emitter = mqemitter({ concurrency: options.concurrency, matchEmptyLevels: true });
  const internals = emitter as unknown as Internals;
  // Built on mqemitter 7's internals (package.json pins 7.1): refuse to start if they moved.
  if (typeof internals._do !== 'function' || typeof internals.current !== 'number' || !('_doing' in emitter))
    throw new Error('stackSafeEmitter: mqemitter internals are not those of mqemitter 7.1');
  const start = internals._do.bind(emitter);
  const waiting: Array<[message: unknown, callback: unknown]> = [];
  let depth = 0;
  const run = (message: unknown, callback: unknown) => {
    depth++;
    try {
      return start(message, callback);
    } finally {
      depth--;
    }
  };
  const drain = () => {
    while (waiting.length > 0) {
      const [message, callback] = waiting.shift()!;
      internals.current--;
      run(message, callback);
    }
  };
  // mqemitter counts itself idle when its own queue runs dry (`_doing`), and an emit past the limit
  // while "idle" takes its leak path: a warning, and one message admitted over the limit with the
  // count off by one for ever after. Messages waiting their turn here are not idle.
  let doing = false;
  Object.defineProperty(emitter, '_doing', {
    get: () => doing || waiting.length > 0,
    set: (value: boolean) => {
      doing = value;
    },
    configurable: true,
  });
  internals._do = (message, callback) => {
    if (waiting.length > 0 || depth >= MAX_SYNC_HANDOFFS) {
      internals.current++;
      if (waiting.push([message, callback]) === 1) setImmediate(drain);
      return emitter;
    }
    return run(message, callback);
  };
  return emitter;
}
