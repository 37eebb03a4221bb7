import type { OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import type { DocumentLedger } from '../documents/document-ledger';
import type { ClusterBus } from '../platform/cluster-bus';
import type { Database } from '../platform/database';
import type { CommandRelay } from '../relay/command-relay';
import type { DatabasePresence } from './agent-presence';
import { CommandDispatcher } from './command-dispatcher';
import { LedgerCommandRecords } from './command-records';
import { PendingRedelivery } from './pending-redelivery';

/**
 * The commands feature as the cloud runs it: the dispatcher and the scheduled redelivery of stale
 * pending commands.
 */
export class Commands implements OnApplicationShutdown {
  private constructor(
    readonly dispatcher: CommandDispatcher,
    private readonly redelivery: PendingRedelivery,
  ) {}

  static start(
    database: Database,
    ledger: DocumentLedger,
    relay: CommandRelay,
    bus: ClusterBus,
    presence: DatabasePresence,
    log: Logger,
  ): Commands {
    const dispatcher = new CommandDispatcher(relay, new LedgerCommandRecords(ledger), bus, presence);
    const redelivery = new PendingRedelivery(database.prisma, dispatcher, log);
    redelivery.start();
    return new Commands(dispatcher, redelivery);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redelivery.stop();
  }
}
