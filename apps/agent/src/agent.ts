import type { Server } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import {
  agentConfigEnvelopeSchema,
  openConfig,
  registerSetupListSchema,
  type CommandEnvelope,
  commandEnvelopeSchema,
  type CommandInDoubt,
  canonicalError,
  type HeartbeatEnvelope,
  parseAgentTopic,
  parseEnvelope,
  peekCommandId,
  type RegisterHealth,
  type ResultEnvelope,
  topics,
} from '@kassa-relay/protocol';
import type { Logger } from 'pino';
import type { AgentConfig, RegisterConfig } from './config/agent-config';
import { type AcceptOutcome, CommandExecutor } from './execution/command-executor';
import {
  createRegisterRuntime,
  reconfigureRegister,
  type RegisterRuntime,
} from './execution/register-runtime';
import { Journal } from './journal/journal';
import { type IncomingMessage, MqttLink, NotStoredError } from './link/mqtt-link';
import { type HealthReport, startOperationsServer } from './operations/http-server';
import { createLogger } from './operations/logger';
import { type AgentMetrics, createAgentMetrics } from './operations/metrics';
import { AGENT_VERSION } from './version';

const OUTBOX_WINDOW = 64;
const STATUS_TIMEOUT_MS = 12_000;
const PRUNE_INTERVAL_MS = 3600_000;

/** The store agent: journal + registers + executor + broker link + operations endpoints. */
export class Agent {
  readonly log: Logger;
  readonly metrics: AgentMetrics;
  readonly journal: Journal;
  readonly registers = new Map<string, RegisterRuntime>();
  readonly executor: CommandExecutor;
  readonly link: MqttLink;
  private readonly startedAt = Date.now();
  private server: Server | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeatSoonTimer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  /** The last time the journal could not store an incoming command (a full or failing disk). */
  private journalWriteFailedAt: number | undefined;
  private readonly publishing = new Set<string>();
  private pumping = false;
  httpPort = 0;

  constructor(
    private readonly config: AgentConfig,
    logger?: Logger,
  ) {
    this.log = logger ?? createLogger(config.logLevel, config.agentId);
    this.metrics = createAgentMetrics();
    this.journal = new Journal(config.dataDir, Date.now, { maxSizeMb: config.journal.maxSizeMb });
    for (const register of this.startingRegisters())
      this.registers.set(register.id, createRegisterRuntime(register, this.journal));
    this.executor = new CommandExecutor(this.journal, this.registers, this.log, this.metrics, {
      agentId: config.agentId,
      reconcileRetryMaxMs: config.reconcileRetryMaxMs,
      busyWaitMs: config.busyWaitMs,
    });
    this.link = new MqttLink(config, AGENT_VERSION, this.log, (message) => this.onMessage(message));
    this.executor.on('done', () => void this.pumpOutbox());
    // The office hears of a command in doubt at once, not at the next regular heartbeat.
    this.executor.on('doubt', () => this.heartbeatSoon());
    this.link.on('up', () => {
      this.metrics.linkUp.set(1);
      void this.pumpOutbox();
      void this.heartbeat();
    });
    this.link.on('down', () => this.metrics.linkUp.set(0));
  }

  async start(): Promise<void> {
    this.pruneJournal();
    this.pruneTimer = setInterval(() => this.pruneJournal(), PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
    const ops = await startOperationsServer(
      this.config.http.host,
      this.config.http.port,
      () => this.healthReport(),
      this.metrics,
    );
    this.server = ops.server;
    this.httpPort = ops.port;
    // Reconcile and resume before taking new work; new commands queue behind recovered ones.
    this.executor.recover();
    this.link.start();
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.config.heartbeatIntervalSec * 1000);
    this.heartbeatTimer.unref();
    this.log.info(
      {
        version: AGENT_VERSION,
        registers: [...this.registers.keys()],
        httpPort: this.httpPort,
        journalDepth: this.journal.depth(),
      },
      'agent started',
    );
  }

  async stop(): Promise<void> {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.heartbeatSoonTimer) clearTimeout(this.heartbeatSoonTimer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.executor.stop();
    await this.link.stop();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.journal.close();
    this.log.info('agent stopped');
  }

  private pruneJournal(): void {
    try {
      const removed = this.journal.prune(
        this.config.journal.retentionDays * 24 * 3600_000,
        this.config.journal.maxReported,
      );
      if (removed > 0) this.log.info({ removed }, 'journal pruned');
    } catch (error) {
      this.log.error({ err: error }, 'journal pruning failed');
    }
  }

  // ---- incoming ----

  /** The promise settles once the command is on disk; the broker gets its PUBACK then. */
  private onMessage(message: IncomingMessage): Promise<void> | undefined {
    const parsedTopic = parseAgentTopic(message.topic);
    if (parsedTopic?.agentId === this.config.agentId && parsedTopic.channel === 'config') {
      this.onRegisterList(message.payload);
      return undefined;
    }
    if (!parsedTopic || parsedTopic.agentId !== this.config.agentId || parsedTopic.channel !== 'commands') {
      this.log.warn({ topic: message.topic }, 'message on a foreign topic ignored');
      return undefined;
    }
    const parsed = parseEnvelope(commandEnvelopeSchema, message.payload);
    if (!parsed.ok) {
      this.reject(message.payload, parsed.reason);
      return undefined;
    }
    const envelope: CommandEnvelope = parsed.value;
    let accepted: AcceptOutcome;
    try {
      accepted = this.executor.accept(envelope);
    } catch (error) {
      // Never acknowledge what is not on disk: the broker keeps it and delivers it again.
      throw this.notStored(envelope.id, error);
    }
    if (accepted.kind === 'replay') {
      this.log.info({ commandId: envelope.id }, 'duplicate command: stored result published again');
      void this.publishResult(accepted.result).catch(() => undefined);
    } else if (accepted.kind === 'inProgress') {
      this.log.info({ commandId: envelope.id }, 'duplicate command still in progress');
    }
    this.metrics.journalDepth.set(this.journal.depth());
    return accepted.kind === 'accepted'
      ? this.journal.durable().then(
          () => {
            this.journalWriteFailedAt = undefined;
          },
          (error: unknown) => {
            throw this.notStored(envelope.id, error);
          },
        )
      : undefined;
  }

  private notStored(commandId: string, error: unknown): NotStoredError {
    const first = this.journalWriteFailedAt === undefined;
    this.journalWriteFailedAt = Date.now();
    this.log.error({ err: error, commandId }, 'command not stored in the journal: not acknowledged');
    if (first) this.heartbeatSoon();
    return new NotStoredError(`command ${commandId} not stored: ${(error as Error).message}`);
  }

  // ---- the register list from the cloud ----

  /** The cloud's last list when there is one (the office's word is newer than the file's), else the file's. */
  private startingRegisters(): RegisterConfig[] {
    const stored = this.journal.loadCloudRegisters();
    if (stored === undefined) return this.config.registers;
    const parsed = registerSetupListSchema.safeParse(stored);
    if (parsed.success) return parsed.data.map((register) => this.keepLocalTuning(register));
    this.log.warn(
      'the stored register list from the cloud is unreadable; using the config file until the cloud sends it again',
    );
    return this.config.registers;
  }

  private onRegisterList(payload: Buffer): void {
    // Keep running on the registers we have: a bad list must not stop a store's sales.
    const refuse = (reason: string) => this.log.error({ reason }, 'register list from the cloud refused');
    const parsed = parseEnvelope(agentConfigEnvelopeSchema, payload);
    if (!parsed.ok) return refuse(parsed.reason);
    const envelope = parsed.value;
    if (envelope.agentId !== this.config.agentId) return refuse('another agent');
    if (envelope.registers) {
      this.applyRegisters(envelope.registers);
      return;
    }
    const sealed = envelope.sealed;
    if (!sealed) return refuse('no registers');
    if (!this.config.configKey)
      return refuse(
        'the list is sealed and this agent has no configKey: enroll it again, or add the configKey the office shows for it',
      );
    void openConfig(sealed, Buffer.from(this.config.configKey, 'base64'), this.config.agentId)
      .then((list) => {
        const registers = registerSetupListSchema.safeParse(list);
        if (!registers.success) return refuse(registers.error.message);
        this.applyRegisters(registers.data);
      })
      .catch(() => refuse('the sealed list does not open with this agent’s configKey'));
  }

  /**
   * Makes the running registers what the cloud says. A new one starts taking commands at once; a
   * changed one switches to its new settings between two commands (on its own queue, so nothing
   * running or queued before the change sees it half-done); a removed one takes no new command,
   * while those already queued on it finish. The list is kept in the journal for the next start
   * (the config file stays as the installer wrote it: the shipped systemd unit keeps /etc read-only).
   */
  applyRegisters(list: RegisterConfig[]): { added: string[]; changed: string[]; removed: string[] } {
    const wanted = new Map(list.map((register) => [register.id, this.keepLocalTuning(register)]));
    const added: string[] = [];
    const changed: string[] = [];
    const removed: string[] = [];
    for (const id of [...this.registers.keys()]) {
      if (wanted.has(id)) continue;
      this.registers.delete(id);
      this.metrics.registerReachable.remove({ register: id });
      removed.push(id);
    }
    for (const [id, config] of wanted) {
      const runtime = this.registers.get(id);
      if (!runtime) {
        this.registers.set(id, createRegisterRuntime(config, this.journal));
        added.push(id);
      } else if (!isDeepStrictEqual(runtime.config, config)) {
        changed.push(id);
        const apply = () => {
          // A new initial key means the device's key was set again by hand: the rotated one is void.
          if (
            runtime.config.kind === 'ikkm' &&
            config.kind === 'ikkm' &&
            runtime.config.initialKey !== config.initialKey
          )
            this.journal.forgetKey(id);
          reconfigureRegister(runtime, config, this.journal);
        };
        if (this.executor.holdsInDoubt(id)) {
          // The queue waits for a command in doubt, which may be waiting for exactly this change (the
          // device's current key, a new address): it applies now, and the command looks again at once.
          apply();
          this.executor.wakeRegister(id);
        } else {
          void runtime.queue
            .run(async () => apply())
            .catch((error: unknown) =>
              this.log.error({ err: error, registerId: id }, 'register change failed'),
            );
        }
      }
    }
    this.journal.saveCloudRegisters(list);
    if (added.length + changed.length + removed.length === 0) return { added, changed, removed };
    this.log.info({ added, changed, removed }, 'registers updated by the cloud');
    void this.heartbeat();
    return { added, changed, removed };
  }

  /** Settings the office does not manage (a device timeout tuned by hand in the file) survive its lists. */
  private keepLocalTuning(register: RegisterConfig): RegisterConfig {
    const local = this.config.registers.find((r) => r.id === register.id);
    return local?.timeoutMs !== undefined && register.timeoutMs === undefined
      ? { ...register, timeoutMs: local.timeoutMs }
      : register;
  }

  /** A malformed command never reaches a device; when it has an id, its sender gets an answer. */
  private reject(payload: Buffer, reason: string): void {
    const { id, registerId } = peekCommandId(payload);
    this.log.warn({ commandId: id, reason }, 'malformed command rejected');
    this.metrics.commands.inc({ type: 'invalid', outcome: 'rejected' });
    if (!id) return;
    const now = new Date().toISOString();
    const result: ResultEnvelope = {
      v: 1,
      commandId: id,
      agentId: this.config.agentId,
      registerId: registerId ?? '',
      status: 'rejected',
      outcome: {
        ok: false,
        error: canonicalError('INVALID_REQUEST', `команда отклонена агентом: ${reason}`),
      },
      receivedAt: now,
      completedAt: now,
    };
    void this.publishResult(result).catch(() => undefined);
  }

  // ---- outgoing ----

  private publishResult(result: ResultEnvelope): Promise<void> {
    return this.link.publish(topics.results(this.config.agentId), JSON.stringify(result), { qos: 1 });
  }

  /** Sends stored results in completion order; each becomes `reported` when the broker acks it. */
  private async pumpOutbox(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.link.connected) {
        const batch = this.journal.outbox(OUTBOX_WINDOW).filter((entry) => !this.publishing.has(entry.id));
        if (batch.length === 0) break;
        // Not waiting for the result to be on disk here: its checkpoint is, so after a power cut
        // reconciliation finds the receipt on the register and reports the same document again.
        const acks = batch.map((entry) => {
          this.publishing.add(entry.id);
          return this.publishResult(entry.result as ResultEnvelope)
            .then(() => this.journal.markReported(entry.id))
            .finally(() => this.publishing.delete(entry.id));
        });
        const settled = await Promise.allSettled(acks);
        if (settled.some((s) => s.status === 'rejected')) break;
      }
    } finally {
      this.pumping = false;
      this.metrics.journalDepth.set(this.journal.depth());
      this.metrics.outboxCount.set(this.journal.outboxStats().count);
    }
  }

  // ---- heartbeat and health ----

  private alerts(): HeartbeatEnvelope['alerts'] {
    const { maxCount, maxBytes, maxAgeHours } = this.config.outbox;
    const stats = this.journal.outboxStats();
    const alerts: HeartbeatEnvelope['alerts'] = [];
    if (stats.count > maxCount)
      alerts.push({ kind: 'journalBacklog', message: `${stats.count} results waiting (limit ${maxCount})` });
    if (stats.bytes > maxBytes)
      alerts.push({ kind: 'journalBytes', message: `${stats.bytes} bytes waiting (limit ${maxBytes})` });
    if (stats.oldestDoneAtMs !== undefined && Date.now() - stats.oldestDoneAtMs > maxAgeHours * 3600_000) {
      alerts.push({ kind: 'journalAge', message: `oldest waiting result is older than ${maxAgeHours} h` });
    }
    if (this.journalWriteFailedAt !== undefined)
      alerts.push({
        kind: 'journalWrite',
        message: `the journal could not store a command at ${new Date(this.journalWriteFailedAt).toISOString()} (disk full or failing): commands are not acknowledged until it can`,
      });
    const inDoubt = this.journal.inDoubt();
    if (inDoubt.length > 0)
      alerts.push({
        kind: 'commandInDoubt',
        message: `${inDoubt.length} command(s) in doubt: fiscal call sent, outcome not proven yet (oldest ${inDoubt[0]?.id})`,
      });
    for (const register of this.registers.values()) {
      if (register.health && !register.health.reachable) {
        alerts.push({
          kind: 'registerUnreachable',
          message: `register ${register.config.id} is unreachable`,
        });
      }
    }
    return alerts;
  }

  private async refreshHealth(register: RegisterRuntime): Promise<RegisterHealth> {
    const timeout = new Promise<RegisterHealth>((resolve) =>
      setTimeout(
        () =>
          resolve({
            reachable: false,
            checkedAt: new Date().toISOString(),
            offlineQueue: 0,
            warnings: [],
            lastError: canonicalError('DEVICE_TIMEOUT'),
          }),
        STATUS_TIMEOUT_MS,
      ).unref(),
    );
    const health = await Promise.race([register.driver.status(), timeout]);
    register.health = health;
    this.metrics.registerReachable.set({ register: register.config.id }, health.reachable ? 1 : 0);
    return health;
  }

  /** One heartbeat shortly, however many reasons to send it arrive meanwhile. */
  private heartbeatSoon(): void {
    if (this.heartbeatSoonTimer) return;
    this.heartbeatSoonTimer = setTimeout(() => {
      this.heartbeatSoonTimer = undefined;
      void this.heartbeat();
    }, 200);
    this.heartbeatSoonTimer.unref();
  }

  private commandsInDoubt(): CommandInDoubt[] {
    return this.journal.inDoubt().map((entry) => ({
      commandId: entry.id,
      registerId: entry.registerId,
      type: entry.type,
      since: new Date(entry.doubt?.sinceMs ?? entry.receivedAtMs).toISOString(),
      attempts: entry.doubt?.attempts ?? 0,
      evidence: entry.doubt?.evidence ?? [],
      ...(entry.doubt?.needs ? { needs: entry.doubt.needs } : {}),
    }));
  }

  async heartbeat(): Promise<HeartbeatEnvelope> {
    // Read before the device calls below, which may wait behind a command in doubt's own look.
    const inDoubt = this.commandsInDoubt();
    const registers = await Promise.all(
      [...this.registers.values()].map(async (register) => ({
        registerId: register.config.id,
        kind: register.config.kind,
        health: await this.refreshHealth(register),
      })),
    );
    const envelope: HeartbeatEnvelope = {
      v: 1,
      agentId: this.config.agentId,
      sentAt: new Date().toISOString(),
      ...(this.link.linkId ? { link: this.link.linkId } : {}),
      agentVersion: AGENT_VERSION,
      uptimeSec: Math.round((Date.now() - this.startedAt) / 1000),
      journalDepth: this.journal.depth(),
      registers,
      alerts: this.alerts(),
      inDoubt,
    };
    this.metrics.journalDepth.set(envelope.journalDepth);
    this.metrics.inDoubt.set(inDoubt.length);
    if (this.link.connected) {
      await this.link
        .publish(topics.heartbeat(this.config.agentId), JSON.stringify(envelope), { qos: 0 })
        .catch(() => undefined);
    }
    return envelope;
  }

  healthReport(): HealthReport {
    const stats = this.journal.outboxStats();
    const alerts = this.alerts();
    return {
      status: this.link.connected && alerts.length === 0 ? 'ok' : 'degraded',
      agentId: this.config.agentId,
      version: AGENT_VERSION,
      uptimeSec: Math.round((Date.now() - this.startedAt) / 1000),
      link: this.link.connected ? 'up' : 'down',
      journalDepth: this.journal.depth(),
      inDoubt: this.commandsInDoubt(),
      outbox: {
        count: stats.count,
        bytes: stats.bytes,
        oldestAgeSec:
          stats.oldestDoneAtMs === undefined ? null : Math.round((Date.now() - stats.oldestDoneAtMs) / 1000),
      },
      registers: [...this.registers.values()].map((register) => ({
        id: register.config.id,
        kind: register.config.kind,
        reachable: register.health?.reachable ?? null,
        shiftOpen: register.health?.shift?.open ?? null,
        lastError: register.health?.lastError?.message ?? null,
      })),
      alerts,
    };
  }
}
