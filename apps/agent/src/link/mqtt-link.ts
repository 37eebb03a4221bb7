import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { type PresenceEnvelope, topics } from '@kassa-relay/protocol';
import type { Logger } from 'pino';
import type { AgentConfig } from '../config/agent-config';

/**
 * Thrown (or rejected) by `onMessage` when the message could not be stored: it is not acknowledged,
 * and it is offered to `onMessage` again after a growing pause until it is stored.
 */
export class NotStoredError extends Error {
  override name = 'NotStoredError';
}

export interface IncomingMessage {
  topic: string;
  payload: Buffer;
}

/**
 * The agent's one link to the cloud: QoS 1, a persistent session, presence (retained `online`,
 * last-will `offline`), reconnect with exponential backoff and jitter. MQTT 5 brokers get a
 * session expiry; brokers that refuse MQTT 5 (Aedes answers "unacceptable protocol version")
 * get MQTT 3.1.1 with clean=false, which keeps the session the same way.
 *
 * `onMessage` runs before the PUBACK is sent, and the PUBACK waits for the promise it returns:
 * whatever it stores is durable before the broker forgets the message.
 */
export class MqttLink extends EventEmitter<{ up: []; down: [] }> {
  private client: MqttClient | undefined;
  private protocolVersion: 4 | 5;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  /**
   * Publishes waiting for their PUBACK. A persistent-session client keeps QoS 1 messages for its
   * own reconnect and never calls them back, but every reconnect here is a new client: without
   * this, a result in flight when the link dropped would hold the outbox forever.
   */
  private readonly unacked = new Set<(error: Error) => void>();
  connected = false;
  /**
   * The connected link's id (libs/protocol `linkIdSchema`): its online presence, its last will, its
   * goodbye and every heartbeat sent on it carry it, so that the cloud can tell a late message of a
   * link it already saw die. Undefined while no link is up.
   */
  linkId: string | undefined;

  constructor(
    private readonly config: AgentConfig,
    private readonly agentVersion: string,
    private readonly log: Logger,
    private readonly onMessage: (message: IncomingMessage) => void | Promise<void>,
  ) {
    super();
    this.protocolVersion = config.mqtt.protocolVersion === 4 ? 4 : 5;
  }

  start(): void {
    this.stopping = false;
    this.connect();
  }

  private presence(state: 'online' | 'offline', link: string | undefined): string {
    const envelope: PresenceEnvelope = {
      v: 1,
      agentId: this.config.agentId,
      state,
      at: new Date().toISOString(),
      agentVersion: this.agentVersion,
      ...(link ? { link } : {}),
    };
    return JSON.stringify(envelope);
  }

  private options(linkId: string): IClientOptions {
    const { mqtt: link, agentId } = this.config;
    return {
      clientId: `kassa-agent-${agentId}`,
      clean: false,
      protocolVersion: this.protocolVersion,
      ...(this.protocolVersion === 5 ? { properties: { sessionExpiryInterval: link.sessionExpirySec } } : {}),
      keepalive: link.keepaliveSec,
      // Reconnects are ours (backoff + jitter), not mqtt.js's fixed period.
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      ...(link.username ? { username: link.username } : {}),
      ...(link.password ? { password: link.password } : {}),
      ...(link.caFile ? { ca: readFileSync(link.caFile) } : {}),
      will: {
        topic: topics.presence(agentId),
        payload: Buffer.from(this.presence('offline', linkId)),
        qos: 1,
        retain: true,
      },
    };
  }

  private connect(): void {
    // Every link is a new client, with a will of its own.
    const link = randomUUID();
    const client = mqtt.connect(this.config.mqtt.url, this.options(link));
    this.client = client;
    client.handleMessage = (packet, done) => {
      const message = {
        topic: packet.topic,
        payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
      };
      const attempt = (pause: number) => {
        // A message its handler cannot take is still acknowledged: redelivering it would fail the
        // same way. One it could not store (the disk) is not: it is offered again after a pause,
        // unacknowledged meanwhile (the broker keeps it; a crash now only means a redelivery).
        // Further incoming messages wait behind it; outgoing heartbeats and results do not.
        const failed = (error: unknown) => {
          if (!(error instanceof NotStoredError)) {
            this.log.error({ err: error, topic: packet.topic }, 'incoming message handler failed');
            done();
            return;
          }
          setTimeout(() => {
            // A new connection gets the message again from the broker.
            if (this.client === client && this.connected) attempt(Math.min(pause * 2, 30_000));
          }, pause).unref();
        };
        try {
          const handled = this.onMessage(message);
          if (handled) handled.then(() => done(), failed);
          else done();
        } catch (error) {
          failed(error);
        }
      };
      attempt(500);
    };
    client.on('connect', (connack) => {
      // Nagle's algorithm would hold each small MQTT packet (PUBACK, result) for the broker's
      // delayed ACK, 40 ms on Linux, on every command.
      (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
      this.attempt = 0;
      this.connected = true;
      this.linkId = link;
      this.log.info(
        { protocolVersion: this.protocolVersion, sessionPresent: connack.sessionPresent },
        'broker connected',
      );
      // Presence says "ready": announce online only once the command subscription is granted.
      // The register list (config) is wanted too, but an older broker ACL may refuse it: then
      // the agent runs on its config file, as before, and says so.
      const commandTopic = topics.commands(this.config.agentId);
      const configTopic = topics.config(this.config.agentId);
      client.subscribe({ [commandTopic]: { qos: 1 }, [configTopic]: { qos: 1 } }, (error, granted) => {
        const refused = (topic: string) =>
          granted?.some((grant) => grant.topic === topic && grant.qos >= 0x80) ?? false;
        if (error || refused(commandTopic)) {
          this.log.error({ err: error, granted }, 'subscription to the command topic refused');
          return;
        }
        if (refused(configTopic))
          this.log.warn(
            { topic: configTopic },
            'the broker refused the register list topic: register changes made in the office need a restart with an edited config file',
          );
        client.publish(topics.presence(this.config.agentId), this.presence('online', link), {
          qos: 1,
          retain: true,
        });
      });
      this.emit('up');
    });
    client.on('error', (error: Error & { code?: number }) => {
      // MQTT 3 return code 1 / MQTT 5 reason 132: the broker does not speak MQTT 5.
      if (
        this.protocolVersion === 5 &&
        this.config.mqtt.protocolVersion === 'auto' &&
        (error.code === 1 || error.code === 132)
      ) {
        this.log.info('broker refused MQTT 5; using MQTT 3.1.1 with a persistent session');
        this.protocolVersion = 4;
        this.attempt = 0;
        return;
      }
      this.log.warn({ err: error.message, code: error.code }, 'broker link error');
    });
    client.on('close', () => {
      const lost = new Error('broker link lost before the broker acknowledged');
      for (const reject of [...this.unacked]) reject(lost);
      if (this.connected) {
        this.connected = false;
        this.linkId = undefined;
        this.log.warn('broker disconnected');
        this.emit('down');
      }
      if (this.client === client) this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.stopping || this.reconnectTimer) return;
    const { reconnectMinMs, reconnectMaxMs } = this.config.mqtt;
    const ceiling = Math.min(reconnectMaxMs, reconnectMinMs * 2 ** this.attempt);
    // Full jitter: stores that lost the link together must not all come back in the same second.
    const delay = Math.max(reconnectMinMs / 2, Math.round(Math.random() * ceiling));
    this.attempt += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      const old = this.client;
      this.client = undefined;
      old?.removeAllListeners();
      old?.end(true);
      this.connect();
    }, delay);
  }

  /** QoS 1 publish; resolves when the broker acknowledged it. */
  publish(
    topic: string,
    payload: string,
    options: { qos: 0 | 1; retain?: boolean } = { qos: 1 },
  ): Promise<void> {
    const client = this.client;
    if (!client || !this.connected) return Promise.reject(new Error('broker link is down'));
    return new Promise((resolve, reject) => {
      const settle = (error?: Error) => {
        if (!this.unacked.delete(settle)) return;
        if (error) reject(error);
        else resolve();
      };
      this.unacked.add(settle);
      client.publish(topic, payload, { qos: options.qos, retain: options.retain ?? false }, (error) =>
        settle(error),
      );
    });
  }

  /** Graceful stop: say offline (retained) so the cloud does not wait for the will. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.client;
    if (!client) return;
    if (this.connected) {
      await new Promise<void>((resolve) => {
        client.publish(
          topics.presence(this.config.agentId),
          this.presence('offline', this.linkId),
          { qos: 1, retain: true },
          () => resolve(),
        );
        setTimeout(resolve, 1000);
      });
    }
    await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
    this.connected = false;
    this.linkId = undefined;
  }
}
