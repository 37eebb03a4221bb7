import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import mqtt, { type MqttClient } from 'mqtt';
import {
  type AgentConfigEnvelope,
  type CanonicalCommandInput,
  type CommandEnvelope,
  commandEnvelopeSchema,
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

export interface CommandRelayOptions {
  url: string;
  username?: string;
  password?: string;
  /** The CA that signed the broker's certificate (`mqtts://` with a private CA). */
  ca?: Buffer;
  clientId?: string;
  /** Awaited before each command is published (the cloud records the fiscal document first). */
  onSend?: SendHook;
  /**
   * Stores a result. Awaited — and retried until it succeeds — before the broker gets the
   * result's PUBACK and before anyone waiting is told: a result the database could not take stays
   * with the broker (and the agent's journal) instead of being lost, and no caller ever answers
   * from a result that is not stored.
   */
  storeResult?: (result: ResultEnvelope) => Promise<void>;
  /** Called when storing a result failed and will be tried again. */
  onStoreFailure?: (result: ResultEnvelope, error: unknown, attempt: number) => void;
}

export type SendHook = (agentId: string, envelope: CommandEnvelope) => Promise<void>;

export interface SendOptions {
  /** Idempotency key; a new UUID when absent. */
  id?: string;
  /** How long the agent may still start it. */
  deadlineMs: number;
  origin?: CommandEnvelope['origin'];
}

export type RelayOutcome =
  { state: 'completed'; result: ResultEnvelope } | { state: 'pending'; commandId: string };

type Events = {
  sent: [CommandEnvelope];
  result: [ResultEnvelope];
  presence: [PresenceEnvelope];
  heartbeat: [HeartbeatEnvelope];
};

/**
 * The cloud's side of the MQTT link: publishes command envelopes to one agent's command topic
 * (QoS 1) and hands back the agent's result when it arrives — or "pending" when the caller's wait
 * is over (the result still arrives later as a `result` event). Presence and heartbeats of every
 * agent are parsed and emitted; malformed messages are dropped.
 */
export class CommandRelay extends EventEmitter<Events> {
  private client: MqttClient | undefined;
  private readonly waiters = new Map<string, Set<(result: ResultEnvelope) => void>>();
  /**
   * Results that arrived lately (by agent and command id), so a caller that starts waiting just
   * after its result came (a POS client's repeat racing the first request's answer) gets it at once
   * instead of timing out.
   */
  private readonly recent = new Map<string, { result: ResultEnvelope; at: number }>();
  // Big enough to cover the moment between a result's arrival and its document update at a
  // thousand results a second; each entry is one small envelope.
  private static readonly RECENT_MAX = 4096;
  private static readonly RECENT_TTL_MS = 120_000;
  readonly presence = new Map<string, PresenceEnvelope>();

  constructor(private readonly options: CommandRelayOptions) {
    super();
  }

  async start(): Promise<void> {
    this.client = await mqtt.connectAsync(this.options.url, {
      clientId: this.options.clientId ?? `kassa-cloud-${randomUUID()}`,
      clean: false,
      reconnectPeriod: 1000,
      ...(this.options.username ? { username: this.options.username } : {}),
      ...(this.options.password ? { password: this.options.password } : {}),
      ...(this.options.ca ? { ca: this.options.ca } : {}),
    });
    // Nagle's algorithm would hold each small MQTT packet for the broker's delayed ACK (40 ms).
    const noDelay = (client: MqttClient) =>
      (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    noDelay(this.client);
    this.client.on('connect', () => noDelay(this.client!));
    this.client.on('message', (topic, payload) => this.onMessage(topic, payload));
    // Results are acknowledged to the broker only once stored (the PUBACK waits for the callback).
    this.client.handleMessage = (packet, done) => {
      void this.onResult(packet.topic, packet.payload as Buffer).then(
        () => done(),
        () => done(),
      );
    };
    await this.client.subscribeAsync(
      [topics.allAgents('results'), topics.allAgents('presence'), topics.allAgents('heartbeat')],
      {
        qos: 1,
      },
    );
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.client?.endAsync();
  }

  /** Whether the link to the broker is up (readiness). */
  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  isOnline(agentId: string): boolean {
    return this.presence.get(agentId)?.state === 'online';
  }

  /** The envelope a command travels in: id, deadline and origin fixed now. */
  envelope(registerId: string, command: CanonicalCommandInput, options: SendOptions): CommandEnvelope {
    const now = Date.now();
    return commandEnvelopeSchema.parse({
      v: 1,
      id: options.id ?? randomUUID(),
      registerId,
      issuedAt: new Date(now).toISOString(),
      deadline: new Date(now + options.deadlineMs).toISOString(),
      ...(options.origin ? { origin: options.origin } : {}),
      command,
    });
  }

  /** Records the command (the `onSend` hook), publishes it and waits up to `waitMs` for its result. */
  async send(
    agentId: string,
    registerId: string,
    command: CanonicalCommandInput,
    options: SendOptions,
    waitMs: number,
  ): Promise<RelayOutcome> {
    if (!this.client) throw new Error('relay not started');
    const envelope = this.envelope(registerId, command, options);
    await this.options.onSend?.(agentId, envelope);
    return this.publish(agentId, envelope, waitMs);
  }

  /**
   * Publishes an envelope the caller has already recorded (a `/sale` document is written with its
   * idempotency row in one insert) and waits up to `waitMs` for its result.
   */
  async publish(agentId: string, envelope: CommandEnvelope, waitMs: number): Promise<RelayOutcome> {
    if (!this.client) throw new Error('relay not started');
    // Only the agent it was published to can answer it (another agent's result is not waited for).
    const result = this.waitForResult(envelope.id, waitMs, agentId);
    this.emit('sent', envelope);
    await this.client.publishAsync(topics.commands(agentId), JSON.stringify(envelope), { qos: 1 });
    const settled = await result;
    return settled ? { state: 'completed', result: settled } : { state: 'pending', commandId: envelope.id };
  }

  /**
   * Publishes an already recorded envelope again, unchanged: the agent executes an id once and
   * answers a repeat from its journal, so this is safe whatever happened to the first copy.
   */
  async republish(agentId: string, envelope: CommandEnvelope): Promise<void> {
    if (!this.client) throw new Error('relay not started');
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
   * Resolves with the result of `commandId` (at once when it arrived lately), or undefined after
   * `waitMs`. With `agentId`, only that agent's result counts: a result for the same command id
   * from any other agent is not an answer.
   */
  waitForResult(commandId: string, waitMs: number, agentId?: string): Promise<ResultEnvelope | undefined> {
    const recent = agentId
      ? this.recent.get(CommandRelay.recentKey(agentId, commandId))
      : [...this.recent.values()].find((entry) => entry.result.commandId === commandId);
    if (recent && Date.now() - recent.at < CommandRelay.RECENT_TTL_MS) return Promise.resolve(recent.result);
    return new Promise((resolve) => {
      const waiters = this.waiters.get(commandId) ?? new Set();
      this.waiters.set(commandId, waiters);
      const done = (result: ResultEnvelope | undefined) => {
        clearTimeout(timer);
        waiters.delete(onResult);
        if (waiters.size === 0) this.waiters.delete(commandId);
        resolve(result);
      };
      const onResult = (result: ResultEnvelope) => {
        if (agentId === undefined || result.agentId === agentId) done(result);
      };
      const timer = setTimeout(() => done(undefined), waitMs);
      waiters.add(onResult);
    });
  }

  private static recentKey(agentId: string, commandId: string): string {
    return `${agentId}|${commandId}`;
  }

  private remember(result: ResultEnvelope): void {
    const key = CommandRelay.recentKey(result.agentId, result.commandId);
    this.recent.delete(key);
    this.recent.set(key, { result, at: Date.now() });
    // Oldest first (Map keeps insertion order): drop the expired and anything over the bound.
    for (const [oldKey, entry] of this.recent) {
      if (this.recent.size <= CommandRelay.RECENT_MAX && Date.now() - entry.at < CommandRelay.RECENT_TTL_MS)
        break;
      this.recent.delete(oldKey);
    }
  }

  private stopping = false;

  /**
   * A result: stored first (retried with backoff while the database is away — the broker keeps
   * the unacknowledged message meanwhile, and redelivers it to the next connection if this
   * process dies), then handed to whoever waits for it. Never throws.
   */
  private async onResult(topic: string, payload: Buffer): Promise<void> {
    const parsed = parseAgentTopic(topic);
    if (parsed?.channel !== 'results') return;
    const result = parseEnvelope(resultEnvelopeSchema, payload);
    // A result must come from the agent whose topic it arrived on.
    if (!result.ok || result.value.agentId !== parsed.agentId) return;
    const envelope = result.value;
    for (let attempt = 1, pause = 200; this.options.storeResult; attempt += 1) {
      try {
        await this.options.storeResult(envelope);
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
    this.remember(envelope);
    for (const waiter of [...(this.waiters.get(envelope.commandId) ?? [])]) waiter(envelope);
    this.emit('result', envelope);
  }

  private onMessage(topic: string, payload: Buffer): void {
    const parsed = parseAgentTopic(topic);
    if (!parsed) return;
    if (parsed.channel === 'presence') {
      const presence = parseEnvelope(presenceEnvelopeSchema, payload);
      if (!presence.ok || presence.value.agentId !== parsed.agentId) return;
      this.presence.set(parsed.agentId, presence.value);
      this.emit('presence', presence.value);
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
