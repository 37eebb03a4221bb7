import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stackSafeEmitter } from './stack-safe-emitter';

const QUEUED = 20_000;

describe('stackSafeEmitter (a deep queue in Aedes)', () => {
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(warning.message);
  beforeEach(() => {
    warnings.length = 0;
    process.on('warning', onWarning);
  });
  afterEach(() => {
    process.off('warning', onWarning);
  });

  it('drains a queue of 20,000 behind one slow delivery, in order', async () => {
    const emitter = stackSafeEmitter({ concurrency: 1 });
    const seen: number[] = [];
    let held: (() => void) | undefined;
    emitter.on('t', (message, done) => {
      seen.push(message.n as number);
      if (held === undefined) held = done;
      else done();
    });
    for (let n = 0; n < QUEUED; n++) emitter.emit({ topic: 't', n });
    // The plain mqemitter recurses once per queued message here and throws a RangeError.
    expect(() => held?.()).not.toThrow();
    // Published while the rest of the queue waits a turn: it must still come after all of it.
    emitter.emit({ topic: 't', n: QUEUED });
    await expect.poll(() => seen.length, { timeout: 10_000 }).toBe(QUEUED + 1);
    expect(seen).toEqual(Array.from({ length: QUEUED + 1 }, (_, n) => n));
    // Every slot given back, and mqemitter never saw its queue unattended (its "leak" path admits
    // one message more than the limit and miscounts for ever after).
    expect((emitter as unknown as { current: number }).current).toBe(0);
    expect(warnings).toEqual([]);
  });

  it('keeps a real Aedes up through the same burst and delivers in order', async () => {
    const broker = await Aedes.createBroker({ mq: stackSafeEmitter({ concurrency: 100 }), concurrency: 100 });
    const server: Server = createServer(broker.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`, {
      reconnectPeriod: 0,
    });
    try {
      // A listener inside the broker that answers at once (as Aedes's own `$SYS` listeners do),
      // except that the first 100 deliveries are slow (a persistence write): they fill Aedes's slots.
      const handled: number[] = [];
      const slow: Array<() => void> = [];
      await new Promise<void>((resolve) =>
        broker.subscribe(
          'kr/burst/#',
          (packet, done) => {
            handled.push(Number(packet.payload.toString()));
            if (slow.length < 100) slow.push(done);
            else done();
          },
          resolve,
        ),
      );
      let handledBeforeEnd = -1;
      client.on('message', () => (handledBeforeEnd = handled.length));
      await client.subscribeAsync('kr/end');
      const publish = (topic: string, payload: string) =>
        broker.publish(
          { cmd: 'publish', topic, payload: Buffer.from(payload), qos: 0, retain: false, dup: false },
          () => undefined,
        );
      for (let n = 0; n < QUEUED; n++) publish(`kr/burst/${n % 50}`, String(n));
      expect(handled).toHaveLength(100);
      // Each release starts the next queued message; with the plain emitter this throws a RangeError.
      expect(() => slow.forEach((done) => done())).not.toThrow();
      publish('kr/end', 'end');
      await expect.poll(() => handledBeforeEnd, { timeout: 20_000 }).toBe(QUEUED);
      expect(handled).toEqual(Array.from({ length: QUEUED }, (_, n) => n));
    } finally {
      await client.endAsync();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    }
  });
});
