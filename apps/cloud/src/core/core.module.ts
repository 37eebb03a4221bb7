import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { AgentConfigs } from '../agents/agent-configs';
import type { CloudConfig } from '../config/cloud-config';
import { DocumentLedger } from '../documents/document-ledger';
import { CloudEvents } from '../platform/cloud-events';
import { Database } from '../platform/database';
import { Messaging } from '../platform/messaging';
import { PosKeys } from '../pos/pos-keys';
import { PosService } from '../pos/pos-service';
import { PrismaSaleDocumentStore } from '../pos/prisma-sale-document-store';
import { LiveState } from '../registers/live-state';
import { RegisterDirectory } from '../registers/register-directory';
import { CommandRelay } from '../relay/command-relay';
import { DatabasePresence } from '../commands/agent-presence';
import { CommandDispatcher } from '../commands/command-dispatcher';
import { Commands } from '../commands/commands';
import { type ClusterBus, LocalBus, PostgresBus } from '../platform/cluster-bus';
import { JwtSigner, SecretBox } from '../security/secret-box';
import { ShutdownState } from './shutdown-state';
import { CLOUD_CONFIG, CLUSTER_BUS, LOGGER } from './tokens';

/**
 * The cloud's platform, shared by every feature: configuration, PostgreSQL, the broker and relay,
 * the document ledger, the commands feature (`commands/`: the one owner of a command's life), live
 * state, POS keys. Started in dependency order by Nest's factories.
 */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: CloudConfig, logger: Logger): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        ShutdownState,
        { provide: CLOUD_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: CloudEvents, useValue: new CloudEvents() },
        { provide: SecretBox, useValue: new SecretBox(config.secretKey) },
        { provide: JwtSigner, useValue: new JwtSigner(config.secretKey) },
        { provide: Database, useFactory: () => Database.start(config) },
        {
          provide: RegisterDirectory,
          useFactory: (db: Database) => new RegisterDirectory(db.prisma),
          inject: [Database],
        },
        {
          provide: DocumentLedger,
          useFactory: (db: Database, events: CloudEvents, directory: RegisterDirectory) =>
            new DocumentLedger(db.prisma, events, directory, logger),
          inject: [Database, CloudEvents, RegisterDirectory],
        },
        {
          provide: Messaging,
          useFactory: async (db: Database) => {
            // With its own embedded broker this process is the only instance: nothing is online
            // until it says so again. Instances sharing an external broker keep the database's
            // presence (another instance may be serving those agents right now).
            if (config.mqtt.mode === 'embedded')
              await db.prisma.agent.updateMany({ data: { online: false } });
            return Messaging.start(config, db, logger);
          },
          inject: [Database],
        },
        { provide: CommandRelay, useFactory: (m: Messaging) => m.relay, inject: [Messaging] },
        {
          provide: DatabasePresence,
          useFactory: (db: Database) => new DatabasePresence(db.prisma),
          inject: [Database],
        },
        {
          // Instances sharing an external broker tell each other through PostgreSQL; with the
          // embedded broker this process is the only instance.
          provide: CLUSTER_BUS,
          useFactory: (db: Database) =>
            config.mqtt.mode === 'external' ? PostgresBus.start(db.url, logger) : new LocalBus(),
          inject: [Database],
        },
        {
          provide: Commands,
          useFactory: (
            db: Database,
            ledger: DocumentLedger,
            relay: CommandRelay,
            bus: ClusterBus,
            presence: DatabasePresence,
          ) => Commands.start(db, ledger, relay, bus, presence, logger),
          inject: [Database, DocumentLedger, CommandRelay, CLUSTER_BUS, DatabasePresence],
        },
        { provide: CommandDispatcher, useFactory: (c: Commands) => c.dispatcher, inject: [Commands] },
        {
          provide: LiveState,
          useFactory: (
            db: Database,
            relay: CommandRelay,
            commands: CommandDispatcher,
            presence: DatabasePresence,
            events: CloudEvents,
            directory: RegisterDirectory,
            ledger: DocumentLedger,
          ) => {
            const live = new LiveState(
              db.prisma,
              relay,
              commands,
              presence,
              events,
              directory,
              ledger,
              config.commandDeadlineMs,
            );
            // Agents that died while no instance had a broker session (every instance stopped, or
            // killed longer ago than its session lasts): their last wills reached no instance, and
            // only the broker's retained presence still says so.
            if (config.mqtt.mode === 'external')
              void live.correctRetainedOffline(relay).then(
                (agents) => {
                  if (agents > 0)
                    logger.info({ agents }, 'agents offline by a retained last will no cloud instance heard');
                },
                (error: unknown) =>
                  logger.warn({ err: error }, "could not check the agents' retained presence"),
              );
            return live;
          },
          inject: [
            Database,
            CommandRelay,
            CommandDispatcher,
            DatabasePresence,
            CloudEvents,
            RegisterDirectory,
            DocumentLedger,
          ],
        },
        {
          provide: AgentConfigs,
          useFactory: (db: Database, relay: CommandRelay, box: SecretBox) =>
            new AgentConfigs(db.prisma, relay, box, logger, config.secretKey),
          inject: [Database, CommandRelay, SecretBox],
        },
        { provide: PosKeys, useFactory: (db: Database) => new PosKeys(db.prisma), inject: [Database] },
        {
          provide: PosService,
          useFactory: (db: Database, commands: CommandDispatcher, ledger: DocumentLedger) =>
            new PosService(commands, new PrismaSaleDocumentStore(db.prisma, ledger), {
              waitMs: config.posWaitMs,
              resultWaitMs: config.posResultWaitMs,
              deadlineMs: config.commandDeadlineMs,
            }),
          inject: [Database, CommandDispatcher, DocumentLedger],
        },
      ],
      exports: [
        ShutdownState,
        CLOUD_CONFIG,
        LOGGER,
        CloudEvents,
        SecretBox,
        JwtSigner,
        Database,
        DocumentLedger,
        Messaging,
        CommandRelay,
        CommandDispatcher,
        DatabasePresence,
        CLUSTER_BUS,
        RegisterDirectory,
        LiveState,
        AgentConfigs,
        PosKeys,
        PosService,
      ],
    };
  }
}
