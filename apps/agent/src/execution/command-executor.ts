import { EventEmitter } from 'node:events';
import type { ReconcileVerdict } from '@kassa-relay/drivers';
import {
  canonicalError,
  type CanonicalError,
  type CommandEnvelope,
  type CommandOutcome,
  isFiscalCommand,
  type ResultEnvelope,
  type ResultStatus,
} from '@kassa-relay/protocol';
import type { Logger } from 'pino';
import type { Journal, JournalEntry } from '../journal/journal';
import { crashPoint } from '../operations/crash-points';
import type { AgentMetrics } from '../operations/metrics';
import type { RegisterRuntime } from './register-runtime';

/** Device answers that leave it unknown whether a fiscal call took effect. */
const IN_DOUBT: ReadonlySet<CanonicalError['code']> = new Set(['RESULT_UNKNOWN', 'DEVICE_TIMEOUT']);

export type AcceptOutcome =
  | { kind: 'accepted' }
  /** Known id, finished: the stored result is published again; the device is not called. */
  | { kind: 'replay'; result: ResultEnvelope }
  /** Known id, still running or its result still in the outbox: it will be published once. */
  | { kind: 'inProgress' };

export interface ExecutorOptions {
  agentId: string;
  reconcileRetryMaxMs: number;
  now?: () => number;
}

/**
 * Executes commands exactly once. A command's life: received (durable) → executing (checkpoint
 * written before any fiscal call) → done (result stored) → reported (broker acked). After a crash,
 * every `executing` entry is reconciled through its driver — never blindly sent again.
 * Emits `done` with the result envelope whenever a result is stored.
 */
export class CommandExecutor extends EventEmitter<{ done: [ResultEnvelope] }> {
  private readonly now: () => number;
  private readonly inFlight = new Set<string>();
  private stopped = false;

  constructor(
    private readonly journal: Journal,
    private readonly registers: ReadonlyMap<string, RegisterRuntime>,
    private readonly log: Logger,
    private readonly metrics: AgentMetrics,
    private readonly options: ExecutorOptions,
  ) {
    super();
    this.now = options.now ?? Date.now;
  }

  /** A validated envelope from the broker. Durable before this returns (the caller then PUBACKs). */
  accept(envelope: CommandEnvelope): AcceptOutcome {
    const known = this.journal.get(envelope.id);
    if (known) return this.duplicate(known);
    if (!this.journal.receive(envelope)) {
      const raced = this.journal.get(envelope.id);
      return raced ? this.duplicate(raced) : { kind: 'inProgress' };
    }
    crashPoint('received');
    const entry = this.journal.get(envelope.id);
    if (entry) this.schedule(entry);
    return { kind: 'accepted' };
  }

  private duplicate(entry: JournalEntry): AcceptOutcome {
    this.metrics.duplicates.inc();
    // Only an acknowledged result is published again. A stored, unacknowledged one is already
    // on its way through the outbox — which is what a broker redelivering a command we never
    // PUBACKed (a crash right after `received`) runs into; replaying it would send it twice.
    if (entry.state === 'reported' && entry.result) return { kind: 'replay', result: entry.result };
    return { kind: 'inProgress' };
  }

  /** On start: reconcile what was executing, then queue what was received, in arrival order. */
  recover(): void {
    for (const entry of this.journal.unfinished()) {
      this.log.info(
        { commandId: entry.id, registerId: entry.registerId, state: entry.state },
        'recovering command',
      );
      this.schedule(entry);
    }
  }

  stop(): void {
    this.stopped = true;
  }

  private schedule(entry: JournalEntry): void {
    if (this.inFlight.has(entry.id)) return;
    this.inFlight.add(entry.id);
    const register = this.registers.get(entry.registerId);
    if (!register) {
      this.finish(entry, 'rejected', {
        ok: false,
        error: canonicalError(
          'REGISTER_NOT_CONFIGURED',
          `касса ${entry.registerId} не настроена на этом агенте`,
        ),
      });
      this.inFlight.delete(entry.id);
      return;
    }
    void register.queue
      .run(() => this.run(entry, register))
      .catch((error: unknown) => this.log.error({ err: error, commandId: entry.id }, 'command run failed'))
      .finally(() => this.inFlight.delete(entry.id));
  }

  private async run(entry: JournalEntry, register: RegisterRuntime): Promise<void> {
    if (this.stopped) return;
    const started = this.now();
    // A crash may have left it executing: find out what the device did before anything else.
    if (entry.state === 'executing') {
      const settled = await this.reconcileUntilKnown(entry, register);
      if (settled) return;
    }
    if (this.now() > entry.deadlineMs) {
      this.finish(entry, 'expired', {
        ok: false,
        error: canonicalError(
          'DEADLINE_EXCEEDED',
          'срок выполнения команды истёк до её запуска; касса не вызывалась',
        ),
      });
      return;
    }
    this.journal.markExecuting(entry.id);
    let checkpointed = false;
    const deviceStarted = this.now();
    const outcome = await register.driver.execute(entry.envelope.command, {
      commandId: entry.id,
      // On disk before the driver makes the fiscal call it describes.
      checkpoint: async (data) => {
        this.journal.saveCheckpoint(entry.id, data);
        await this.journal.durable();
        checkpointed = true;
        crashPoint('checkpoint');
      },
    });
    const deviceMs = this.now() - deviceStarted;
    if (outcome.ok) crashPoint('device-answered');
    this.metrics.deviceSeconds.observe({ kind: register.config.kind, type: entry.type }, deviceMs / 1000);

    if (
      !outcome.ok &&
      IN_DOUBT.has(outcome.error.code) &&
      checkpointed &&
      isFiscalCommand(entry.envelope.command)
    ) {
      this.log.warn(
        { commandId: entry.id, registerId: register.config.id, error: outcome.error },
        'device answer lost: reconciling',
      );
      const current = this.journal.get(entry.id);
      if (current && (await this.reconcileUntilKnown(current, register))) return;
      // Proven not done and still allowed to run: execute again from the top.
      const again = this.journal.get(entry.id);
      if (again) return this.run(again, register);
      return;
    }
    this.finish(entry, outcome.ok ? 'done' : 'failed', outcome, { deviceMs, started });
  }

  /**
   * Asks the driver until it knows. Returns true when the entry is settled (done), false when it
   * is proven not done (the caller may execute it). While the device cannot be asked, the register
   * waits: later commands for it must not overtake a command in doubt.
   */
  private async reconcileUntilKnown(entry: JournalEntry, register: RegisterRuntime): Promise<boolean> {
    let delay = 500;
    for (;;) {
      if (this.stopped) return true;
      let verdict: ReconcileVerdict;
      try {
        verdict = await register.driver.reconcile({
          command: entry.envelope.command,
          commandId: entry.id,
          checkpoint: entry.checkpoint ?? this.journal.get(entry.id)?.checkpoint,
          deadlinePassed: this.now() > entry.deadlineMs,
        });
      } catch (error) {
        verdict = { state: 'unknown', reason: (error as Error).message };
      }
      this.log.info(
        { commandId: entry.id, registerId: register.config.id, verdict: verdict.state },
        'reconciled',
      );
      if (verdict.state === 'done') {
        this.finish(entry, verdict.outcome.ok ? 'done' : 'failed', verdict.outcome, { reconciled: true });
        return true;
      }
      if (verdict.state === 'notDone') {
        if (this.now() > entry.deadlineMs) {
          this.finish(entry, 'expired', {
            ok: false,
            error: canonicalError(
              'DEADLINE_EXCEEDED',
              `срок выполнения истёк; на кассе операция не проведена (${verdict.reason})`,
            ),
          });
          return true;
        }
        return false;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, this.options.reconcileRetryMaxMs);
    }
  }

  private finish(
    entry: JournalEntry,
    status: ResultStatus,
    outcome: CommandOutcome,
    extra: { deviceMs?: number; started?: number; reconciled?: boolean } = {},
  ): void {
    const result: ResultEnvelope = {
      v: 1,
      commandId: entry.id,
      agentId: this.options.agentId,
      registerId: entry.registerId,
      status,
      outcome,
      receivedAt: new Date(entry.receivedAtMs).toISOString(),
      completedAt: new Date(this.now()).toISOString(),
      ...(extra.deviceMs !== undefined ? { deviceMs: extra.deviceMs } : {}),
      ...(extra.reconciled ? { reconciled: true } : {}),
    };
    this.journal.markDone(entry.id, result);
    crashPoint('done');
    this.metrics.commands.inc({ type: entry.type, outcome: status });
    this.log.info(
      {
        commandId: entry.id,
        registerId: entry.registerId,
        type: entry.type,
        outcome: status,
        ...(outcome.ok ? {} : { error: outcome.error.code, deviceCode: outcome.error.device?.code }),
        durationMs: this.now() - (extra.started ?? entry.receivedAtMs),
        ...(extra.reconciled ? { reconciled: true } : {}),
      },
      'command finished',
    );
    this.emit('done', result);
  }
}
