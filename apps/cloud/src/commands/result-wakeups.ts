import type { Logger } from 'pino';
import pg from 'pg';

/**
 * How a stored result reaches callers waiting on other cloud instances. The dispatcher wakes its
 * own waiters directly; `notify` tells the rest, `onWake` hears the rest.
 */
export interface ResultWakeups {
  notify(commandId: string): Promise<void>;
  onWake(handler: (commandId: string) => void): void;
  /** Wake-ups may have been lost (a dropped connection): every waiter should re-read the store. */
  onResync(handler: () => void): void;
  close(): Promise<void>;
}

/** One cloud process with its own embedded broker: no other instance can take a result. */
export class LocalWakeups implements ResultWakeups {
  async notify(): Promise<void> {}
  onWake(): void {}
  onResync(): void {}
  async close(): Promise<void> {}
}

/** The PostgreSQL channel results are announced on (payload: the command id). */
export const RESULT_CHANNEL = 'kassa_command_result';

/**
 * Wake-ups through PostgreSQL LISTEN/NOTIFY on the database every instance shares: one extra
 * statement per result, no extra infrastructure. The listening connection reconnects by itself;
 * after a reconnect every waiter re-reads the store (a NOTIFY sent meanwhile is not replayed).
 */
export class PostgresWakeups implements ResultWakeups {
  private listener: pg.Client | undefined;
  private readonly wakeHandlers: ((commandId: string) => void)[] = [];
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

  static async start(url: string, log: Logger): Promise<PostgresWakeups> {
    const wakeups = new PostgresWakeups(url, log);
    await wakeups.listen();
    return wakeups;
  }

  async notify(commandId: string): Promise<void> {
    await this.notifier.query('SELECT pg_notify($1, $2)', [RESULT_CHANNEL, commandId]);
  }

  onWake(handler: (commandId: string) => void): void {
    this.wakeHandlers.push(handler);
  }

  onResync(handler: () => void): void {
    this.resyncHandlers.push(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.listener?.end().catch(() => undefined);
    await this.notifier.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (message) => {
      if (message.channel !== RESULT_CHANNEL || !message.payload) return;
      for (const handler of this.wakeHandlers) handler(message.payload);
    });
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost || this.closed) return;
      lost = true;
      this.log.warn({ err: error }, 'result wake-up connection lost: reconnecting');
      void client.end().catch(() => undefined);
      this.reconnect();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    await client.connect();
    await client.query(`LISTEN ${RESULT_CHANNEL}`);
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
