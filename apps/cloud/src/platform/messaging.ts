import type { OnApplicationShutdown } from '@nestjs/common';
import type { CloudConfig } from '../config/cloud-config';
import { type EmbeddedBroker, startEmbeddedBroker } from '../broker/embedded-broker';
import { CommandRelay, type SendHook } from '../relay/command-relay';
import { newSecret } from '../security/secret-hash';
import type { Database } from './database';

/**
 * The MQTT side: the embedded Aedes broker (agents authenticated against the database) unless
 * MQTT_URL names another broker, and the relay the cloud talks to agents through.
 */
export class Messaging implements OnApplicationShutdown {
  private constructor(
    readonly relay: CommandRelay,
    private readonly broker: EmbeddedBroker | undefined,
  ) {}

  static async start(config: CloudConfig, database: Database, onSend: SendHook): Promise<Messaging> {
    if (config.mqtt.mode === 'external') {
      const relay = new CommandRelay({
        url: config.mqtt.url,
        clientId: 'kassa-cloud',
        onSend,
        ...(config.mqtt.username ? { username: config.mqtt.username } : {}),
        ...(config.mqtt.password ? { password: config.mqtt.password } : {}),
      });
      await relay.start();
      return new Messaging(relay, undefined);
    }
    // The cloud's own broker account lives only in this process.
    const cloudUser = { username: 'kassa-cloud', password: newSecret() };
    const broker = await startEmbeddedBroker({
      host: config.mqtt.host,
      port: config.mqtt.port,
      ...(config.mqtt.wsPort ? { wsPort: config.mqtt.wsPort } : {}),
      cloudUser,
      credentials: {
        findByUsername: async (username) => {
          const agent = await database.prisma.agent.findUnique({
            where: { mqttUsername: username },
            select: { id: true, mqttPasswordHash: true, disabledAt: true },
          });
          return agent && !agent.disabledAt
            ? { agentId: agent.id, passwordHash: agent.mqttPasswordHash }
            : null;
        },
      },
    });
    const relay = new CommandRelay({
      url: `mqtt://127.0.0.1:${broker.port}`,
      clientId: 'kassa-cloud',
      onSend,
      ...cloudUser,
    });
    try {
      await relay.start();
    } catch (error) {
      await broker.close();
      throw error;
    }
    return new Messaging(relay, broker);
  }

  /** Where agents reach the broker, for enrollment. */
  publicUrl(config: CloudConfig, requestHost: string | undefined): string {
    if (config.mqtt.mode === 'external') return config.mqtt.publicUrl;
    if (config.mqtt.publicUrl) return config.mqtt.publicUrl;
    const host = (requestHost ?? '127.0.0.1').replace(/:\d+$/, '');
    return `mqtt://${host}:${this.broker?.port ?? config.mqtt.port}`;
  }

  /**
   * Closes a disabled agent's connection to the embedded broker (its reconnect is then refused).
   * An external broker keeps its own accounts: disable the agent there too.
   */
  disconnectAgent(agentId: string): void {
    this.broker?.disconnectAgent(agentId);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop().catch(() => undefined);
    await this.broker?.close().catch(() => undefined);
  }
}
