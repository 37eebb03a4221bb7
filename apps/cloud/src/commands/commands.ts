import type { OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import type { CloudConfig } from '../config/cloud-config';
import type { DocumentLedger } from '../documents/document-ledger';
import type { Database } from '../platform/database';
import type { CommandRelay } from '../relay/command-relay';
import type { DatabasePresence } from './agent-presence';
import { CommandDispatcher } from './command-dispatcher';
import { LedgerCommandRecords } from './command-records';
import { PendingRedelivery } from './pending-redelivery';
import { LocalWakeups, PostgresWakeups, type ResultWakeups } from './result-wakeups';

/**
 * The commands feature as the cloud runs it: the dispatcher, its wake-ups (LISTEN/NOTIFY when the
 * broker is external and other instances may share it; in-process with the embedded broker, which
 * only this process serves) and the scheduled redelivery of stale pending commands.
 */
export class Commands implements OnApplicationShutdown {
  private constructor(
    readonly dispatcher: CommandDispatcher,
    private readonly wakeups: ResultWakeups,
    private readonly redelivery: PendingRedelivery,
  ) {}

  static async start(
    config: CloudConfig,
    database: Database,
    ledger: DocumentLedger,
    relay: CommandRelay,
    presence: DatabasePresence,
    log: Logger,
  ): Promise<Commands> {
    const wakeups =
      config.mqtt.mode === 'external' ? await PostgresWakeups.start(database.url, log) : new LocalWakeups();
    const dispatcher = new CommandDispatcher(relay, new LedgerCommandRecords(ledger), wakeups, presence);
    const redelivery = new PendingRedelivery(database.prisma, dispatcher, log);
    redelivery.start();
    return new Commands(dispatcher, wakeups, redelivery);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redelivery.stop();
    await this.wakeups.close();
  }
}
