import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import pg from 'pg';

/**
 * News between the cloud instances that share one database and one broker: a result stored (its
 * waiters may be elsewhere), a POS key revoked, an admin user's sessions changed. A message never
 * comes back to the instance that published it.
 */
export interface ClusterBus {
  publish(topic: string, payload: string): Promise<void>;
  on(topic: string, handler: (payload: string) => void): void;
  /** Messages may have been lost (the listening connection dropped): re-read what matters. */
  onResync(handler: () => void): void;
  close(): Promise<void>;
}

/** One cloud process with its own embedded broker: there is no other instance to tell. */
export class LocalBus implements ClusterBus {
  async publish(): Promise<void> {}
  on(): void {}
  onResync(): void {}
  async close(): Promise<void> {}
}

/** The PostgreSQL notification channel of the bus. */
export const CLUSTER_CHANNEL = 'kassa_cluster';

/**
 * The bus on PostgreSQL LISTEN/NOTIFY, on the database every instance already shares: no extra
 * infrastructure, one statement per message. The listening connection reconnects by itself; after
 * a reconnect the resync handlers run (a NOTIFY sent meanwhile is not replayed).
 */
export class PostgresBus implements ClusterBus {
  private readonly uid = randomUUID();
  private listener: pg.Client | undefined;
  private readonly handlers = new Map<string, ((payload: string) => void)[]>();
  private readonly resyncHandlers: (() => void)[] = [];
  private closed = false;
  private readonly notifier: pg.Pool;

  private constructor(
    private readonly url: string,
    private readonly log: Logger,
  ) {
    this.notifier = new pg.Pool({ connectionString: url, max: 2 });
    this.notifier.on('error', () => undefined);
  }

  static async start(url: string, log: Logger): Promise<PostgresBus> {
    const bus = new PostgresBus(url, log);
    await bus.listen();
    return bus;
  }

  async publish(topic: string, payload: string): Promise<void> {
    const message = JSON.stringify({ from: this.uid, topic, payload });
    await this.notifier.query('SELECT pg_notify($1, $2)', [CLUSTER_CHANNEL, message]);
  }

  on(topic: string, handler: (payload: string) => void): void {
    this.handlers.set(topic, [...(this.handlers.get(topic) ?? []), handler]);
  }

  onResync(handler: () => void): void {
    this.resyncHandlers.push(handler);
  }

  /** Nest's shutdown hook: the bus goes with the application. */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.listener?.end().catch(() => undefined);
    await this.notifier.end().catch(() => undefined);
  }

  private deliver(raw: string | undefined): void {
    let message: { from?: unknown; topic?: unknown; payload?: unknown };
    try {
      message = JSON.parse(raw ?? '') as typeof message;
    } catch {
      return;
    }
    if (message.from === this.uid || typeof message.topic !== 'string' || typeof message.payload !== 'string')
      return;
    for (const handler of this.handlers.get(message.topic) ?? []) handler(message.payload);
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost || this.closed) return;
      lost = true;
      this.log.warn({ err: error }, 'cluster bus connection lost: reconnecting');
      void client.end().catch(() => undefined);
      this.reconnect();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (message) => {
      if (message.channel === CLUSTER_CHANNEL) this.deliver(message.payload);
    });
    await client.connect();
    await client.query(`LISTEN ${CLUSTER_CHANNEL}`);
    this.listener = client;
  }

  private reconnect(pause = 500): void {
    if (this.closed) return;
    setTimeout(() => {
      this.listen().then(
        () => {
          for (const handler of this.resyncHandlers) handler();
        },
        () => this.reconnect(Math.min(pause * 2, 10_000)),
      );
    }, pause).unref();
  }
}
