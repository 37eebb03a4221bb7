import type { OnApplicationShutdown } from '@nestjs/common';
import { isValidAgentId, type ResultEnvelope } from '@kassa-relay/protocol';
import type { Logger } from 'pino';
import type { CloudConfig } from '../config/cloud-config';
import {
  type BrokerAccounts,
  DynsecBrokerAccounts,
  EmbeddedBrokerAccounts,
  ExternalBrokerAccounts,
} from '../broker/broker-accounts';
import { type EmbeddedBroker, startEmbeddedBroker } from '../broker/embedded-broker';
import { CommandRelay, isDataException } from '../relay/command-relay';
import { newSecret } from '../security/secret-hash';
import type { Database } from './database';
import { batchedLookup } from './work-queues';

/**
 * The embedded broker's credential lookups: the agents connecting in one turn of the event loop
 * are read in one query (a broker restart brings every agent back within seconds).
 */
function agentCredentials(database: Database) {
  const lookup = batchedLookup(async (usernames) => {
    const agents = await database.prisma.agent.findMany({
      where: { mqttUsername: { in: usernames }, disabledAt: null },
      select: { id: true, mqttUsername: true, mqttPasswordHash: true },
    });
    return new Map(
      agents.map((agent) => [
        agent.mqttUsername,
        { agentId: agent.id, passwordHash: agent.mqttPasswordHash },
      ]),
    );
  });
  // An agent's username is its id: anything else is no agent, and must not reach the batch's
  // query (a NUL in one username would fail the lookup of every agent connecting with it).
  return async (username: string) => (isValidAgentId(username) ? ((await lookup(username)) ?? null) : null);
}

/**
 * The MQTT side: the embedded Aedes broker (agents authenticated against the database) unless
 * MQTT_URL names another broker (then shared with any number of cloud instances), and the relay
 * the cloud talks to agents through.
 */
export class Messaging implements OnApplicationShutdown {
  private constructor(
    readonly relay: CommandRelay,
    private readonly broker: EmbeddedBroker | undefined,
    /** Agents' accounts on the broker: created at enrollment, removed when an agent is disabled. */
    readonly accounts: BrokerAccounts,
  ) {}

  static async start(config: CloudConfig, database: Database, log: Logger): Promise<Messaging> {
    const relayHooks = {
      onStoreFailure: (result: ResultEnvelope, error: unknown, attempt: number) =>
        log.error(
          { err: error, commandId: result.commandId, agentId: result.agentId, attempt },
          isDataException(error)
            ? 'a result PostgreSQL can never store (a data exception): dropped, not retried'
            : 'could not store a result: trying again (the broker keeps it until it is stored)',
        ),
      onSubscribeFailure: (error: unknown) =>
        log.error(
          { err: error },
          'could not subscribe to the agents again after reconnecting to the broker: trying at the next reconnect',
        ),
    };
    if (config.mqtt.mode === 'external') {
      const mqtt = config.mqtt;
      let accounts: BrokerAccounts = new ExternalBrokerAccounts(log);
      if (mqtt.provisioning === 'dynsec') {
        // First: setting up the cloud's own role may make the broker drop the cloud's connections.
        const dynsec = await DynsecBrokerAccounts.connect(
          {
            url: mqtt.url,
            username: mqtt.username as string,
            ...(mqtt.password ? { password: mqtt.password } : {}),
            ...(mqtt.ca ? { ca: mqtt.ca } : {}),
          },
          mqtt.username as string,
          log,
        );
        accounts = dynsec;
        try {
          // A disabled agent keeps no account, whatever happened while the cloud was away.
          const disabled = await database.prisma.agent.findMany({
            where: { disabledAt: { not: null } },
            select: { id: true },
          });
          await dynsec.removeAll(disabled.map((agent) => agent.id));
        } catch (error) {
          await dynsec.close().catch(() => undefined);
          throw error;
        }
      }
      // Any number of instances share the broker: each has its own session, and the agents' messages
      // are shared among them (one instance handles each).
      const relay = new CommandRelay({
        url: mqtt.url,
        clientId: `kassa-cloud-${mqtt.instanceId}`,
        shareGroup: 'kassa-cloud',
        ...relayHooks,
        ...(mqtt.username ? { username: mqtt.username } : {}),
        ...(mqtt.password ? { password: mqtt.password } : {}),
        ...(mqtt.ca ? { ca: mqtt.ca } : {}),
      });
      try {
        await relay.start();
      } catch (error) {
        await accounts.close().catch(() => undefined);
        throw error;
      }
      return new Messaging(relay, undefined, accounts);
    }
    // The cloud's own broker account lives only in this process.
    const cloudUser = { username: 'kassa-cloud', password: newSecret() };
    const broker = await startEmbeddedBroker({
      host: config.mqtt.host,
      port: config.mqtt.port,
      ...(config.mqtt.wsPort ? { wsPort: config.mqtt.wsPort } : {}),
      ...(config.mqtt.tls ? { tls: config.mqtt.tls } : {}),
      plain: config.mqtt.plain,
      limits: { preAuthBytes: 16 * 1024, maxPacketBytes: config.mqtt.maxPacketBytes },
      onViolation: (reason, remoteAddress) =>
        log.warn({ reason, remoteAddress }, 'MQTT connection cut: it broke a packet limit'),
      cloudUser,
      credentials: { findByUsername: agentCredentials(database) },
    });
    const relay = new CommandRelay({
      url: `mqtt://127.0.0.1:${broker.port}`,
      clientId: 'kassa-cloud',
      ...relayHooks,
      ...cloudUser,
    });
    try {
      await relay.start();
    } catch (error) {
      await broker.close();
      throw error;
    }
    return new Messaging(
      relay,
      broker,
      new EmbeddedBrokerAccounts((agentId) => broker.disconnectAgent(agentId)),
    );
  }

  /** Where agents reach the broker, for enrollment. */
  publicUrl(config: CloudConfig, requestHost: string | undefined): string {
    if (config.mqtt.mode === 'external') return config.mqtt.publicUrl;
    if (config.mqtt.publicUrl) return config.mqtt.publicUrl;
    const host = (requestHost ?? '127.0.0.1').replace(/:\d+$/, '');
    // With TLS on, agents are given TLS.
    if (this.broker?.tlsUrl) return `mqtts://${host}:${new URL(this.broker.tlsUrl).port}`;
    return `mqtt://${host}:${this.broker?.port ?? config.mqtt.port}`;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.accounts.close().catch(() => undefined);
    await this.relay.stop().catch(() => undefined);
    await this.broker?.close().catch(() => undefined);
  }
}
