import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import mqtt, { type MqttClient } from 'mqtt';
import {
  type AgentConfigEnvelope,
  type CommandEnvelope,
  type HeartbeatEnvelope,
  heartbeatEnvelopeSchema,
  parseAgentTopic,
  parseEnvelope,
  type PresenceEnvelope,
  presenceEnvelopeSchema,
  type ResultEnvelope,
  resultEnvelopeSchema,
  topics,
} from '@kassa-relay/protocol';
import { subscribeRetrying } from '../broker/subscribe';

export interface CommandRelayOptions {
  url: string;
  username?: string;
  password?: string;
  /** The CA that signed the broker's certificate (`mqtts://` with a private CA). */
  ca?: Buffer;
  clientId?: string;
  /**
   * `$share/<group>/…` subscriptions (MQTT 5 shared subscriptions): with several cloud instances on
   * one broker, each result, presence and heartbeat goes to exactly one of them. Absent: plain
   * subscriptions (the embedded broker, where one cloud process is the only consumer).
   */
  shareGroup?: string;
  /** Called when subscribing again after a reconnect failed (the next reconnect tries again). */
  onSubscribeFailure?: (error: unknown) => void;
  /** Called when handling a result failed and will be tried again. */
  onStoreFailure?: (result: ResultEnvelope, error: unknown, attempt: number) => void;
}

/**
 * How long the broker keeps an instance's session (and what was queued for it) after it drops.
 * Long enough for a restart to find its messages again; short enough that an instance that is gone
 * for good leaves the shared group soon (what it held is recovered by the redelivery sweep,
 * commands/pending-redelivery.ts).
 */
const SHARED_SESSION_EXPIRY_SEC = 10;

/** Takes one result: awaited (and retried until it succeeds) before the broker gets its PUBACK. */
export type ResultConsumer = (result: ResultEnvelope) => Promise<void>;

type Events = {
  sent: [CommandEnvelope];
  result: [ResultEnvelope];
  presence: [PresenceEnvelope];
  heartbeat: [HeartbeatEnvelope];
};

/**
 * The cloud's MQTT link to the agents, and nothing more: publishes command envelopes to one
 * agent's command topic (QoS 1), hands each agent result to its one consumer (the command
 * dispatcher, `commands/`) and acknowledges it to the broker only once consumed, and emits
 * presence and heartbeats. Malformed messages and messages on another agent's topic are dropped.
 */
export class CommandRelay extends EventEmitter<Events> {
  private client: MqttClient | undefined;
  private consumer: ResultConsumer | undefined;
  /** A persistent session may deliver results right after CONNACK, before a consumer is attached. */
  private readonly consumerReady: Promise<ResultConsumer>;
  private attachConsumer!: (consumer: ResultConsumer) => void;
  private stopping = false;
  private readingRetained = false;
  private retainedReadLeftOver = false;

  constructor(private readonly options: CommandRelayOptions) {
    super();
    this.consumerReady = new Promise((resolve) => (this.attachConsumer = resolve));
  }

  async start(): Promise<void> {
    const shared = this.options.shareGroup;
    this.client = await mqtt.connectAsync(this.options.url, {
      clientId: this.options.clientId ?? `kassa-cloud-${randomUUID()}`,
      clean: false,
      reconnectPeriod: 1000,
      // The relay subscribes again itself on every reconnect (below); mqtt.js's own would be a second.
      resubscribe: false,
      // Shared subscriptions are MQTT 5.
      ...(shared
        ? { protocolVersion: 5 as const, properties: { sessionExpiryInterval: SHARED_SESSION_EXPIRY_SEC } }
        : {}),
      ...(this.options.username ? { username: this.options.username } : {}),
      ...(this.options.password ? { password: this.options.password } : {}),
      ...(this.options.ca ? { ca: this.options.ca } : {}),
    });
    // Nagle's algorithm would hold each small MQTT packet for the broker's delayed ACK (40 ms).
    const noDelay = (client: MqttClient) =>
      (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    noDelay(this.client);
    this.client.on('connect', () => noDelay(this.client!));
    this.client.on('message', (topic, payload, packet) => this.onMessage(topic, payload, packet.retain));
    // Results are acknowledged to the broker only once consumed (the PUBACK waits for the callback).
    this.client.handleMessage = (packet, done) => {
      void this.onResult(packet.topic, packet.payload as Buffer).then(
        () => done(),
        () => done(),
      );
    };
    const filters = [
      topics.allAgents('results'),
      topics.allAgents('presence'),
      topics.allAgents('heartbeat'),
    ].map((filter) => (shared ? `$share/${shared}/${filter}` : filter));
    const subscribe = () =>
      subscribeRetrying(this.client!, filters, { qos: 1 }, { stopped: () => this.stopping });
    // Subscribed again on every reconnect, session or not: mqtt.js resubscribes only when the
    // broker kept no session, and a broker may restore a session without its `$share/…`
    // subscriptions (Mosquitto 2.0 does, after a restart) — the cloud would stay connected and hear
    // no agent. Subscribing to a filter the session already holds changes nothing.
    this.client.on('connect', () => {
      if (this.stopping) return;
      subscribe().catch((error: unknown) => this.options.onSubscribeFailure?.(error));
      // A retained-presence read cut short by the drop: its plain subscription must not stay in the session.
      if (this.retainedReadLeftOver && !this.readingRetained)
        void this.client!.unsubscribeAsync(topics.allAgents('presence')).then(
          () => (this.retainedReadLeftOver = false),
          () => undefined,
        );
    });
    await subscribe();
  }

  /**
   * Every agent's retained presence, read once. Shared subscriptions are never handed retained
   * messages (MQTT 5, 4.8.2), and an agent's last will published while no cloud instance had a
   * session (every instance stopped, or away longer than SHARED_SESSION_EXPIRY_SEC) reached nobody;
   * the broker still keeps it as the agent's retained presence. Read through a plain subscription,
   * QoS 0 (no in-flight window for thousands of them), until the broker has sent none for
   * `quietMs` (at most `maxMs`), then unsubscribed. Live presences that arrive during the read come
   * twice (shared and plain) and are handled as presences; each copy keeps the agent's own order,
   * so the last written is its latest. Shared subscriptions only: with a plain subscription (the
   * embedded broker) retained presences arrive as presences. Nothing when the relay stops meanwhile.
   */
  async readRetainedPresences({ quietMs = 2_000, maxMs = 60_000 } = {}): Promise<PresenceEnvelope[]> {
    const client = this.client;
    if (!client || !this.options.shareGroup) return [];
    const found = new Map<string, PresenceEnvelope>();
    let lastAt = Date.now();
    const onMessage = (topic: string, payload: Buffer, packet: { retain?: boolean }) => {
      if (!packet.retain) return;
      const presence = this.parsePresence(topic, payload);
      if (!presence) return;
      found.set(presence.agentId, presence);
      lastAt = Date.now();
    };
    const filter = topics.allAgents('presence');
    this.readingRetained = true;
    this.retainedReadLeftOver = true;
    client.on('message', onMessage);
    try {
      await subscribeRetrying(client, filter, { qos: 0 }, { stopped: () => this.stopping });
      const started = Date.now();
      lastAt = started;
      while (!this.stopping && Date.now() - lastAt < quietMs && Date.now() - started < maxMs)
        await new Promise((resolve) => setTimeout(resolve, Math.min(200, quietMs)));
    } finally {
      client.off('message', onMessage);
      this.readingRetained = false;
      await client.unsubscribeAsync(filter).then(
        () => (this.retainedReadLeftOver = false),
        () => undefined,
      );
    }
    return this.stopping ? [] : [...found.values()];
  }

  /** The one consumer of results; attached once (results that came first wait for it). */
  consumeResults(consumer: ResultConsumer): void {
    if (this.consumer) throw new Error('results already have a consumer');
    this.consumer = consumer;
    this.attachConsumer(consumer);
  }

  /**
   * Leaves the broker. A cloud instance that shares the agents' messages with others ends its
   * session as it goes (MQTT 5 session expiry 0): the broker then stops handing this instance's
   * share of results, presence and heartbeats to a session nobody reads.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.client?.endAsync(
      false,
      this.options.shareGroup ? { properties: { sessionExpiryInterval: 0 } } : {},
    );
  }

  /** Whether `stop` was called: the link is going, and whatever is published now is dropped. */
  get isStopping(): boolean {
    return this.stopping;
  }

  /** Whether the link to the broker is up (readiness). */
  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** Publishes a command to its agent (QoS 1). Recording it first is the dispatcher's business. */
  async publish(agentId: string, envelope: CommandEnvelope): Promise<void> {
    if (!this.client) throw new Error('relay not started');
    this.emit('sent', envelope);
    await this.client.publishAsync(topics.commands(agentId), JSON.stringify(envelope), { qos: 1 });
  }

  /** The agent's registers, retained: an agent that subscribes later still gets the last one. */
  async publishConfig(envelope: AgentConfigEnvelope): Promise<void> {
    if (!this.client) throw new Error('relay not started');
    await this.client.publishAsync(topics.config(envelope.agentId), JSON.stringify(envelope), {
      qos: 1,
      retain: true,
    });
  }

  /**
   * A result: consumed first (retried with backoff while, say, the database is away — the broker
   * keeps the unacknowledged message meanwhile, and redelivers it to the next connection if this
   * process dies). Never throws.
   */
  private async onResult(topic: string, payload: Buffer): Promise<void> {
    const parsed = parseAgentTopic(topic);
    if (parsed?.channel !== 'results') return;
    const result = parseEnvelope(resultEnvelopeSchema, payload);
    // A result must come from the agent whose topic it arrived on.
    if (!result.ok || result.value.agentId !== parsed.agentId) return;
    const envelope = result.value;
    const consume = this.consumer ?? (await this.consumerReady);
    for (let attempt = 1, pause = 200; ; attempt += 1) {
      try {
        await consume(envelope);
        break;
      } catch (error) {
        this.options.onStoreFailure?.(envelope, error, attempt);
        if (this.stopping) return;
        // PostgreSQL refused the data itself (class 22: a value it can never store): trying again
        // cannot help, and the unacknowledged message would hold every message behind it.
        if (isDataException(error)) return;
        await new Promise((resolve) => setTimeout(resolve, pause));
        pause = Math.min(pause * 2, 10_000);
      }
    }
    this.emit('result', envelope);
  }

  private parsePresence(topic: string, payload: Buffer): PresenceEnvelope | undefined {
    const parsed = parseAgentTopic(topic);
    if (parsed?.channel !== 'presence') return undefined;
    const presence = parseEnvelope(presenceEnvelopeSchema, payload);
    return presence.ok && presence.value.agentId === parsed.agentId ? presence.value : undefined;
  }

  private onMessage(topic: string, payload: Buffer, retained: boolean): void {
    const parsed = parseAgentTopic(topic);
    if (!parsed) return;
    if (parsed.channel === 'presence') {
      // With shared subscriptions a retained presence comes only from `readRetainedPresences`.
      if (retained && this.options.shareGroup) return;
      const presence = this.parsePresence(topic, payload);
      if (presence) this.emit('presence', presence);
    } else if (parsed.channel === 'heartbeat') {
      const heartbeat = parseEnvelope(heartbeatEnvelopeSchema, payload);
      if (!heartbeat.ok || heartbeat.value.agentId !== parsed.agentId) return;
      this.emit('heartbeat', heartbeat.value);
    }
  }
}

/** A PostgreSQL data exception (SQLSTATE class 22), as Prisma reports it: permanent for this data. */
export function isDataException(error: unknown): boolean {
  const meta = (error as { meta?: { code?: unknown } } | undefined)?.meta;
  if (typeof meta?.code === 'string' && meta.code.startsWith('22')) return true;
  return /Code: `22[0-9A-Z]{3}`/.test((error as Error | undefined)?.message ?? '');
}
