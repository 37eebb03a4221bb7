import { randomUUID } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import {
  agentConfigEnvelopeSchema,
  canonicalError,
  type CommandEnvelope,
  commandEnvelopeSchema,
  type HeartbeatEnvelope,
  openConfig,
  parseAgentTopic,
  parseEnvelope,
  peekCommandId,
  type PresenceEnvelope,
  registerKindSchema,
  type RegisterKind,
  type ResultEnvelope,
  topics,
} from '@kassa-relay/protocol';
import { FakeRegister, type PrintedDocument } from './fake-register';
import { FleetJournal } from './fleet-journal';

/** What `POST /api/agents/enroll` gave one fleet agent (the fields the real agent writes into its config). */
export interface FleetAgentCredentials {
  agentId: string;
  mqtt: { url: string; username: string; password: string };
  /** Opens the sealed register list on the agent's retained `config` topic. */
  configKey?: string;
  registers: { id: string; kind: RegisterKind }[];
}

/** The real agent's defaults (apps/agent/src/config/agent-config.ts), which a fleet agent follows. */
export const AGENT_DEFAULTS = {
  heartbeatIntervalSec: 15,
  keepaliveSec: 30,
  sessionExpirySec: 7 * 24 * 3600,
  reconnectMinMs: 500,
  reconnectMaxMs: 30_000,
} as const;

export interface FleetAgentOptions {
  heartbeatIntervalSec: number;
  keepaliveSec: number;
  /** 4 (MQTT 3.1.1, clean=false) for the embedded Aedes broker, which refuses 5; 5 for Mosquitto and EMQX. */
  mqttVersion: 4 | 5;
  sessionExpirySec: number;
  /**
   * mqtt.js retries at one fixed period; each fleet agent draws its period anew for every outage,
   * uniformly between these two, so a fleet that lost its broker together does not come back in one
   * wave (the real agent's full-jitter backoff does the same).
   */
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** How long the "device" takes per command (0: answer at once). */
  deviceMs: number;
  /** A CONNECT without CONNACK is given up after this, and tried again (the real agent's 10 s). */
  connectTimeoutMs: number;
  /** Replaces the broker address the enrollment gave (a tunnel, another listener). */
  mqttUrl?: string;
  agentVersion: string;
}

export const DEFAULT_FLEET_AGENT_OPTIONS: FleetAgentOptions = {
  heartbeatIntervalSec: AGENT_DEFAULTS.heartbeatIntervalSec,
  keepaliveSec: AGENT_DEFAULTS.keepaliveSec,
  mqttVersion: 4,
  sessionExpirySec: AGENT_DEFAULTS.sessionExpirySec,
  reconnectMinMs: AGENT_DEFAULTS.reconnectMinMs,
  // The real agent's ceiling is 30 s, reached after six failed attempts; a first retry within 5 s
  // is what most of its agents do after a broker restart.
  reconnectMaxMs: 5_000,
  deviceMs: 0,
  connectTimeoutMs: 10_000,
  agentVersion: 'fleet-0.1.0',
};

/** Totals of the whole fleet, counted by every agent into one object (cheap to read every second). */
export interface FleetCounters {
  connects: number;
  disconnects: number;
  heartbeats: number;
  /** Commands run (one per command id). */
  commands: number;
  /** Deliveries of an id already answered, answered again from the journal. */
  replays: number;
  /** Commands refused unrun: malformed, expired, or for a register the agent does not drive. */
  refused: number;
  /** Register lists received on the `config` topic and applied. */
  configs: number;
  linkErrors: number;
}

export const emptyCounters = (): FleetCounters => ({
  connects: 0,
  disconnects: 0,
  heartbeats: 0,
  commands: 0,
  replays: 0,
  refused: 0,
  configs: 0,
  linkErrors: 0,
});

/**
 * One light store agent: an mqtt.js client with the credentials its enrollment gave, speaking the
 * agent's protocol (libs/protocol `mqtt`) as apps/agent does — a persistent session, the retained
 * `online` presence once the command topic is granted and `offline` as the last will, a heartbeat
 * on connect and every `heartbeatIntervalSec` — and answering every command from fake registers,
 * once per command id, with the journal kept in memory.
 */
export class FleetAgent {
  readonly journal = new FleetJournal();
  readonly registers = new Map<string, FakeRegister>();
  private client: MqttClient | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly running = new Set<string>();
  /** Per register: commands run one after another, as on a real register's queue. */
  private readonly queues = new Map<string, Promise<void>>();
  private readonly startedAt = Date.now();
  /**
   * The current link's id, as apps/agent's (libs/protocol `linkIdSchema`): on its online presence,
   * its last will, its goodbye and its heartbeats; a new one for each connection.
   */
  private link = randomUUID();
  private stopping = false;
  connected = false;
  /** Register lists the cloud sent on the `config` topic that this agent opened and applied. */
  registerLists = 0;

  constructor(
    readonly credentials: FleetAgentCredentials,
    private readonly options: FleetAgentOptions,
    private readonly counters: FleetCounters = emptyCounters(),
  ) {
    this.applyRegisters(credentials.registers);
  }

  get agentId(): string {
    return this.credentials.agentId;
  }

  get linkId(): string {
    return this.link;
  }

  /** Every document this agent's registers printed, oldest first. */
  get printed(): readonly PrintedDocument[] {
    return this.journal.printed;
  }

  start(): void {
    this.stopping = false;
    this.link = randomUUID();
    const client = mqtt.connect(this.options.mqttUrl ?? this.credentials.mqtt.url, this.clientOptions());
    this.client = client;
    client.on('connect', () => this.onConnect(client));
    client.on('offline', () => {
      // Read by mqtt.js right after this event, when it arms its retry timer for this outage.
      client.options.reconnectPeriod = this.reconnectPeriod();
    });
    // Every CONNECT is a new link, with a will of its own, as apps/agent's: an attempt the broker
    // took but the agent gave up on (no CONNACK within connectTimeout, in a storm) ends its link
    // with the will, and an `online` of that link after it is late news the cloud ignores.
    // `offline` comes once per outage; `reconnect`, before each attempt's CONNECT is built.
    client.on('reconnect', () => {
      this.link = randomUUID();
      client.options.will = { ...client.options.will!, payload: Buffer.from(this.presence('offline')) };
    });
    client.on('close', () => {
      if (!this.connected) return;
      this.connected = false;
      this.counters.disconnects += 1;
    });
    // Without a listener mqtt.js throws link errors (a refused CONNECT, a reset) at the process.
    client.on('error', () => {
      this.counters.linkErrors += 1;
    });
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    // Spread over one period: real stores did not all start their agents in the same second.
    const period = this.options.heartbeatIntervalSec * 1000;
    this.heartbeatTimer = setTimeout(() => {
      this.heartbeat();
      this.heartbeatTimer = setInterval(() => this.heartbeat(), period);
      this.heartbeatTimer.unref();
    }, Math.random() * period);
    this.heartbeatTimer.unref();
  }

  /** As the real agent stops: `offline` (retained) first, so the cloud does not wait for the will. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.heartbeatTimer);
    clearInterval(this.heartbeatTimer);
    const client = this.client;
    if (!client) return;
    if (this.connected)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1_000);
        client.publish(
          topics.presence(this.agentId),
          this.presence('offline'),
          { qos: 1, retain: true },
          () => {
            clearTimeout(timer);
            resolve();
          },
        );
      });
    await client.endAsync(false);
    this.connected = false;
  }

  /** Drops the link without a goodbye (the broker publishes the will), as a store PC losing power. */
  async kill(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.heartbeatTimer);
    clearInterval(this.heartbeatTimer);
    await this.client?.endAsync(true);
    this.connected = false;
  }

  private clientOptions(): IClientOptions {
    const { agentId, mqtt: link } = this.credentials;
    return {
      clientId: `kassa-agent-${agentId}`,
      clean: false,
      protocolVersion: this.options.mqttVersion,
      ...(this.options.mqttVersion === 5
        ? { properties: { sessionExpiryInterval: this.options.sessionExpirySec } }
        : {}),
      keepalive: this.options.keepaliveSec,
      reconnectPeriod: this.reconnectPeriod(),
      connectTimeout: this.options.connectTimeoutMs,
      // A refused CONNECT (the broker's credential store away, say) is tried again, as the real
      // agent does after any refusal; mqtt.js would give up for good.
      reconnectOnConnackError: true,
      // Subscribed again on every connect, before presence says "online" (as the real agent does).
      resubscribe: false,
      username: link.username,
      password: link.password,
      will: {
        topic: topics.presence(agentId),
        payload: Buffer.from(this.presence('offline')),
        qos: 1,
        retain: true,
      },
    };
  }

  private reconnectPeriod(): number {
    const { reconnectMinMs: min, reconnectMaxMs: max } = this.options;
    return Math.round(min + Math.random() * Math.max(0, max - min));
  }

  private presence(state: PresenceEnvelope['state']): string {
    const envelope: PresenceEnvelope = {
      v: 1,
      agentId: this.agentId,
      state,
      at: new Date().toISOString(),
      agentVersion: this.options.agentVersion,
      link: this.link,
    };
    return JSON.stringify(envelope);
  }

  private onConnect(client: MqttClient): void {
    (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    this.connected = true;
    this.counters.connects += 1;
    const commandTopic = topics.commands(this.agentId);
    const configTopic = topics.config(this.agentId);
    client.subscribe({ [commandTopic]: { qos: 1 }, [configTopic]: { qos: 1 } }, (error, granted) => {
      const refused = granted?.some((grant) => grant.topic === commandTopic && grant.qos >= 0x80) ?? true;
      if (error || refused) {
        this.counters.linkErrors += 1;
        return;
      }
      client.publish(topics.presence(this.agentId), this.presence('online'), { qos: 1, retain: true });
    });
    this.heartbeat();
  }

  heartbeat(): void {
    const client = this.client;
    if (!client || !this.connected || this.stopping) return;
    const now = new Date();
    const envelope: HeartbeatEnvelope = {
      v: 1,
      agentId: this.agentId,
      sentAt: now.toISOString(),
      link: this.link,
      agentVersion: this.options.agentVersion,
      uptimeSec: Math.round((Date.now() - this.startedAt) / 1000),
      journalDepth: this.running.size,
      registers: [...this.registers.values()].map((register) => ({
        registerId: register.id,
        kind: register.kind,
        health: register.health(now),
      })),
      alerts: [],
      inDoubt: [],
    };
    client.publish(topics.heartbeat(this.agentId), JSON.stringify(envelope), { qos: 0 });
    this.counters.heartbeats += 1;
  }

  private onMessage(topic: string, payload: Buffer): void {
    const parsed = parseAgentTopic(topic);
    if (parsed?.agentId !== this.agentId) return;
    if (parsed.channel === 'config') void this.onRegisterList(payload);
    else if (parsed.channel === 'commands') this.onCommand(payload);
  }

  private async onRegisterList(payload: Buffer): Promise<void> {
    const parsed = parseEnvelope(agentConfigEnvelopeSchema, payload);
    if (!parsed.ok || parsed.value.agentId !== this.agentId) return;
    let list: unknown = parsed.value.registers;
    if (parsed.value.sealed) {
      if (!this.credentials.configKey) return;
      list = await openConfig(
        parsed.value.sealed,
        Buffer.from(this.credentials.configKey, 'base64'),
        this.agentId,
      ).catch(() => undefined);
    }
    const registers = registersOf(list);
    if (!registers) return;
    this.applyRegisters(registers);
    this.registerLists += 1;
    this.counters.configs += 1;
  }

  /** Keeps the registers still listed (their shift and numbers), adds new ones, drops the rest. */
  private applyRegisters(list: { id: string; kind: RegisterKind }[]): void {
    const wanted = new Set(list.map((register) => register.id));
    for (const id of [...this.registers.keys()]) if (!wanted.has(id)) this.registers.delete(id);
    for (const { id, kind } of list)
      if (!this.registers.has(id))
        this.registers.set(id, new FakeRegister(id, kind, `${this.agentId.replace(/^agent-/, '')}${id}`));
  }

  private onCommand(payload: Buffer): void {
    const parsed = parseEnvelope(commandEnvelopeSchema, payload);
    if (!parsed.ok) {
      this.refuse(payload);
      return;
    }
    const envelope = parsed.value;
    const stored = this.journal.get(envelope.id);
    if (stored) {
      // Never run twice: the stored result goes out again, identical.
      this.journal.replays += 1;
      this.counters.replays += 1;
      this.publishResult(stored);
      return;
    }
    // Still running: its result goes out when it is done.
    if (this.running.has(envelope.id)) return;
    this.running.add(envelope.id);
    const registerId = envelope.registerId;
    const previous = this.queues.get(registerId) ?? Promise.resolve();
    const next = previous.then(() => this.execute(envelope));
    this.queues.set(registerId, next);
    void next.finally(() => {
      if (this.queues.get(registerId) === next) this.queues.delete(registerId);
    });
  }

  private async execute(envelope: CommandEnvelope): Promise<void> {
    const receivedAt = new Date().toISOString();
    const finish = (
      status: ResultEnvelope['status'],
      outcome: ResultEnvelope['outcome'],
      printed?: PrintedDocument,
      deviceMs?: number,
    ) => {
      const result: ResultEnvelope = {
        v: 1,
        commandId: envelope.id,
        agentId: this.agentId,
        registerId: envelope.registerId,
        status,
        outcome,
        receivedAt,
        completedAt: new Date().toISOString(),
        ...(deviceMs !== undefined ? { deviceMs } : {}),
      };
      this.journal.record(result, printed);
      this.running.delete(envelope.id);
      this.publishResult(result);
    };
    if (Date.parse(envelope.deadline) <= Date.now()) {
      this.counters.refused += 1;
      finish('expired', {
        ok: false,
        error: canonicalError('DEADLINE_EXCEEDED', 'срок команды истёк до её начала'),
      });
      return;
    }
    const register = this.registers.get(envelope.registerId);
    if (!register) {
      this.counters.refused += 1;
      finish('failed', {
        ok: false,
        error: canonicalError('REGISTER_NOT_CONFIGURED', `касса ${envelope.registerId} не у этого агента`),
      });
      return;
    }
    const started = Date.now();
    if (this.options.deviceMs > 0) await new Promise((resolve) => setTimeout(resolve, this.options.deviceMs));
    const { outcome, printed } = register.execute(envelope.id, envelope.command, new Date());
    this.counters.commands += 1;
    finish(outcome.ok ? 'done' : 'failed', outcome, printed, Date.now() - started);
  }

  /** A malformed command never reaches a register; when it has an id, its sender gets an answer. */
  private refuse(payload: Buffer): void {
    this.counters.refused += 1;
    const { id, registerId } = peekCommandId(payload);
    if (!id) return;
    const now = new Date().toISOString();
    this.publishResult({
      v: 1,
      commandId: id,
      agentId: this.agentId,
      registerId: registerId ?? '',
      status: 'rejected',
      outcome: { ok: false, error: canonicalError('INVALID_REQUEST', 'команда отклонена агентом') },
      receivedAt: now,
      completedAt: now,
    });
  }

  /**
   * QoS 1. While the link is down mqtt.js keeps the message and sends it after the reconnect (the
   * same client object, so its outgoing store survives), which stands in for the real agent's outbox.
   */
  private publishResult(result: ResultEnvelope): void {
    this.client?.publish(topics.results(this.agentId), JSON.stringify(result), { qos: 1 });
  }
}

/** The id and kind of each register in a list the cloud sent (the rest is the device's address and secret). */
export function registersOf(list: unknown): { id: string; kind: RegisterKind }[] | undefined {
  if (!Array.isArray(list)) return undefined;
  const out: { id: string; kind: RegisterKind }[] = [];
  for (const item of list as unknown[]) {
    const { id, kind } = (item ?? {}) as { id?: unknown; kind?: unknown };
    const parsedKind = registerKindSchema.safeParse(kind);
    if (typeof id !== 'string' || !parsedKind.success) return undefined;
    out.push({ id, kind: parsedKind.data });
  }
  return out;
}
