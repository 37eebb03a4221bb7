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
import { JwtSigner, SecretBox } from '../security/secret-box';
import { CLOUD_CONFIG, LOGGER } from './tokens';

/**
 * The cloud's platform, shared by every feature: configuration, PostgreSQL, the broker and relay,
 * the document ledger, live state, POS keys. Started in dependency order by Nest's factories.
 */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: CloudConfig, logger: Logger): DynamicModule {
    return {
      module: CoreModule,
      providers: [
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
          useFactory: async (db: Database, ledger: DocumentLedger) => {
            // Agents' presence is re-announced on connect; nothing is online until it says so.
            await db.prisma.agent.updateMany({ data: { online: false } });
            // The ledger stores every result before the broker's PUBACK and before any caller hears it.
            return Messaging.start(
              config,
              db,
              {
                onSend: (agentId, envelope) => ledger.recordSent(envelope, agentId),
                storeResult: async (result) => {
                  await ledger.recordResult(result);
                },
              },
              logger,
            );
          },
          inject: [Database, DocumentLedger],
        },
        { provide: CommandRelay, useFactory: (m: Messaging) => m.relay, inject: [Messaging] },
        {
          provide: LiveState,
          useFactory: (
            db: Database,
            relay: CommandRelay,
            events: CloudEvents,
            directory: RegisterDirectory,
            ledger: DocumentLedger,
          ) => new LiveState(db.prisma, relay, events, directory, ledger, config.commandDeadlineMs),
          inject: [Database, CommandRelay, CloudEvents, RegisterDirectory, DocumentLedger],
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
          useFactory: (db: Database, relay: CommandRelay, ledger: DocumentLedger) =>
            new PosService(relay, new PrismaSaleDocumentStore(db.prisma, ledger), {
              waitMs: config.posWaitMs,
              resultWaitMs: config.posResultWaitMs,
              deadlineMs: config.commandDeadlineMs,
            }),
          inject: [Database, CommandRelay, DocumentLedger],
        },
      ],
      exports: [
        CLOUD_CONFIG,
        LOGGER,
        CloudEvents,
        SecretBox,
        JwtSigner,
        Database,
        DocumentLedger,
        Messaging,
        CommandRelay,
        RegisterDirectory,
        LiveState,
        AgentConfigs,
        PosKeys,
        PosService,
      ],
    };
  }
}
