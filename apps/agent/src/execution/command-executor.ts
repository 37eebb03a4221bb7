import { EventEmitter } from 'node:events';
import type { ReconcileVerdict } from '@kassa-relay/drivers';
import {
  canonicalError,
  type CanonicalError,
  type CommandEnvelope,
  type CommandOf,
  type CommandOutcome,
  describeError,
  isFiscalCommand,
  type ResultEnvelope,
  type ResultStatus,
} from '@kassa-relay/protocol';
import type { Logger } from 'pino';
import { isFinished, type Journal, type JournalEntry } from '../journal/journal';
import { crashPoint } from '../operations/crash-points';
import type { AgentMetrics } from '../operations/metrics';
import type { RegisterRuntime } from './register-runtime';

/** Device answers that leave it unknown whether a fiscal call took effect (once it was sent). */
const LOST_ANSWER: ReadonlySet<CanonicalError['code']> = new Set(['RESULT_UNKNOWN', 'DEVICE_TIMEOUT']);

/** setTimeout's limit; a longer deadline is re-armed when this one fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export type AcceptOutcome =
  | { kind: 'accepted' }
  /** Known id, finished: the stored result is published again; the device is not called. */
  | { kind: 'replay'; result: ResultEnvelope }
  /** Known id, still running, in doubt or its result still in the outbox: it will be published once. */
  | { kind: 'inProgress' };

export interface ExecutorOptions {
  agentId: string;
  /** The longest pause between two reconciliations of a command in doubt. */
  reconcileRetryMaxMs: number;
  /** The first pause; it doubles up to `reconcileRetryMaxMs` (seconds, then minutes). */
  reconcileRetryMinMs?: number;
  /** How long a command waits for a register that answers "busy" before it fails (never past its deadline). */
  busyWaitMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

type Events = {
  /** A result was stored (it waits in the outbox). */
  done: [ResultEnvelope];
  /** A command entered doubt, or its evidence changed: the cloud should hear it soon. */
  doubt: [JournalEntry];
};

/**
 * Executes commands exactly once. A command's life: received (durable) → executing (checkpoint
 * written before any fiscal call) → done (result stored) → reported (broker acked). When a fiscal
 * call's answer is lost, or a crash left it executing, the command is **in doubt**: it is never
 * sent again blindly and never reported failed; its driver reconciles it with backoff until the
 * device proves it either way, or an operator decides (`command.resolve`). Commands are run one at
 * a time per register: those behind a slow, busy or doubtful command wait, each until its own
 * deadline. Emits `done` whenever a result is stored and `doubt` when a command is (still) in doubt.
 */
export class CommandExecutor extends EventEmitter<Events> {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly inFlight = new Set<string>();
  /** Pauses of commands in doubt, so an operator's decision or a new device key wakes them at once. */
  private readonly wakers = new Map<string, () => void>();
  private readonly deadlineTimers = new Map<string, NodeJS.Timeout>();
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
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()));
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

  /** On start: reconcile what was executing or in doubt, then queue what was received, in arrival order. */
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
    for (const timer of this.deadlineTimers.values()) clearTimeout(timer);
    this.deadlineTimers.clear();
    for (const wake of [...this.wakers.values()]) wake();
  }

  /** Whether a command of this register is in doubt (its queue waits for it). */
  holdsInDoubt(registerId: string): boolean {
    return this.journal.inDoubt().some((entry) => entry.registerId === registerId);
  }

  /** The register's settings changed (a new device key, say): its commands in doubt look again now. */
  wakeRegister(registerId: string): void {
    for (const entry of this.journal.inDoubt())
      if (entry.registerId === registerId) this.wakers.get(entry.id)?.();
  }

  private schedule(entry: JournalEntry): void {
    if (this.inFlight.has(entry.id)) return;
    if (entry.envelope.command.type === 'command.resolve') {
      this.resolve(entry, entry.envelope.command);
      return;
    }
    const register = this.registers.get(entry.registerId);
    if (!register) {
      this.finish(entry, 'rejected', {
        ok: false,
        error: canonicalError(
          'REGISTER_NOT_CONFIGURED',
          `касса ${entry.registerId} не настроена на этом агенте`,
        ),
      });
      return;
    }
    this.inFlight.add(entry.id);
    if (entry.state === 'received') this.armDeadline(entry.id, entry.deadlineMs);
    void register.queue
      .run(() => this.run(entry.id, register))
      .catch((error: unknown) => this.log.error({ err: error, commandId: entry.id }, 'command run failed'))
      .finally(() => {
        this.inFlight.delete(entry.id);
        this.disarmDeadline(entry.id);
      });
  }

  /**
   * A command waiting behind a slow or doubtful one must not outlive its deadline: when it comes
   * and the command has not started, it expires — the register was never called for it.
   */
  private armDeadline(id: string, deadlineMs: number): void {
    const wait = deadlineMs - this.now() + 1;
    if (wait <= 0) return;
    const timer = setTimeout(
      () => {
        this.deadlineTimers.delete(id);
        if (wait > MAX_TIMER_MS) return this.armDeadline(id, deadlineMs);
        const entry = this.journal.get(id);
        if (entry?.state === 'received') this.expire(entry, 'срок выполнения команды истёк в очереди кассы');
      },
      Math.min(wait, MAX_TIMER_MS),
    );
    timer.unref();
    this.deadlineTimers.set(id, timer);
  }

  private disarmDeadline(id: string): void {
    const timer = this.deadlineTimers.get(id);
    if (timer) clearTimeout(timer);
    this.deadlineTimers.delete(id);
  }

  private async run(id: string, register: RegisterRuntime): Promise<void> {
    let entry = this.journal.get(id);
    if (this.stopped || !entry || isFinished(entry.state)) return;
    this.disarmDeadline(id);
    // A crash may have left it executing, or it was in doubt: find out what the device did first.
    if (entry.state === 'executing' || entry.state === 'inDoubt') {
      if (await this.settle(entry, register)) return;
      entry = this.journal.get(id);
      if (!entry || isFinished(entry.state)) return;
    }
    await this.attempt(entry, register);
  }

  /**
   * Runs the command on the device: waits out a register that answers "busy" (nothing happened,
   * bounded by `busyWaitMs` and the deadline), and settles a lost answer by reconciliation.
   */
  private async attempt(first: JournalEntry, register: RegisterRuntime): Promise<void> {
    let entry = first;
    const started = this.now();
    const busyUntil = Math.min(entry.deadlineMs, started + (this.options.busyWaitMs ?? 60_000));
    let busyPause = 250;
    for (;;) {
      if (this.stopped) return;
      if (this.now() > entry.deadlineMs) {
        this.expire(entry, 'срок выполнения команды истёк до её запуска; касса не вызывалась');
        return;
      }
      this.journal.markExecuting(entry.id);
      let checkpointed = false;
      const deviceStarted = this.now();
      const outcome = await this.execute(entry, register, () => {
        checkpointed = true;
      });
      const deviceMs = this.now() - deviceStarted;
      if (outcome.ok) crashPoint('device-answered');
      this.metrics.deviceSeconds.observe({ kind: register.config.kind, type: entry.type }, deviceMs / 1000);

      if (
        !outcome.ok &&
        LOST_ANSWER.has(outcome.error.code) &&
        checkpointed &&
        isFiscalCommand(entry.envelope.command)
      ) {
        this.log.warn(
          { commandId: entry.id, registerId: register.config.id, error: outcome.error },
          'fiscal call outcome unknown: the command is in doubt',
        );
        this.enterDoubt(entry.id, `ответ кассы не получен: ${describeError(outcome.error)}`);
        crashPoint('in-doubt');
        const current = this.journal.get(entry.id);
        if (!current || (await this.settle(current, register))) return;
        const again = this.journal.get(entry.id);
        if (!again || isFinished(again.state)) return;
        entry = again;
        continue; // proven not done: run it again while the deadline allows
      }
      if (!outcome.ok && outcome.error.code === 'REGISTER_BUSY' && this.now() + busyPause < busyUntil) {
        this.log.info({ commandId: entry.id, registerId: register.config.id }, 'register busy: waiting');
        await this.sleep(busyPause);
        busyPause = Math.min(busyPause * 2, 5_000);
        continue;
      }
      this.finish(entry, outcome.ok ? 'done' : 'failed', outcome, { deviceMs, started });
      return;
    }
  }

  /** The driver's outcome, whatever happens inside it: a throw is a result too. */
  private async execute(
    entry: JournalEntry,
    register: RegisterRuntime,
    onCheckpoint: () => void,
  ): Promise<CommandOutcome> {
    let checkpointed = false;
    try {
      return await register.driver.execute(entry.envelope.command, {
        commandId: entry.id,
        // On disk before the driver makes the fiscal call it describes.
        checkpoint: async (data) => {
          this.journal.saveCheckpoint(entry.id, data);
          await this.journal.durable();
          checkpointed = true;
          onCheckpoint();
          crashPoint('checkpoint');
        },
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return {
        ok: false,
        error: checkpointed
          ? canonicalError('RESULT_UNKNOWN', `ошибка драйвера после отправки на кассу: ${message}`)
          : canonicalError('INTERNAL', `ошибка драйвера: ${message}`),
      };
    }
  }

  private enterDoubt(id: string, evidence: string, needs?: 'deviceKey' | 'operator'): void {
    this.journal.markInDoubt(id, evidence, needs, false);
    const entry = this.journal.get(id);
    if (entry) this.emit('doubt', entry);
  }

  /**
   * Reconciles until the device proves it either way. Returns true when the command is settled
   * (finished here, or by an operator meanwhile), false when it is proven not done and may run
   * again. While in doubt the register's queue waits: nothing may overtake a command in doubt.
   */
  private async settle(entry: JournalEntry, register: RegisterRuntime): Promise<boolean> {
    const min = this.options.reconcileRetryMinMs ?? 1_000;
    let pause = min;
    let attempt = entry.doubt?.attempts ?? 0;
    for (;;) {
      if (this.stopped) return true; // left as it is: the next start goes on reconciling
      const current = this.journal.get(entry.id);
      if (!current || isFinished(current.state)) return true;
      let verdict: ReconcileVerdict;
      try {
        verdict = await register.driver.reconcile({
          command: current.envelope.command,
          commandId: current.id,
          checkpoint: current.checkpoint,
          deadlinePassed: this.now() > current.deadlineMs,
          attempt,
        });
      } catch (error) {
        verdict = { state: 'inDoubt', evidence: `сверка не удалась: ${(error as Error).message}` };
      }
      attempt += 1;
      this.metrics.reconciliations.inc({ verdict: verdict.state });
      const after = this.journal.get(entry.id);
      // An operator may have decided while the device was being asked: the decision stands.
      if (!after || isFinished(after.state)) return true;
      this.log.info(
        {
          commandId: entry.id,
          registerId: register.config.id,
          verdict: verdict.state,
          ...(verdict.state === 'inDoubt' ? { evidence: verdict.evidence } : {}),
          ...(verdict.state === 'notDone' ? { reason: verdict.reason } : {}),
        },
        'reconciled',
      );
      if (verdict.state === 'done') {
        if (after.doubt) this.journal.addEvidence(after.id, 'касса подтвердила результат сверкой');
        this.finish(after, verdict.outcome.ok ? 'done' : 'failed', verdict.outcome, { reconciled: true });
        return true;
      }
      if (verdict.state === 'notDone') {
        if (after.doubt) this.journal.addEvidence(after.id, `не выполнено (доказано): ${verdict.reason}`);
        if (this.now() > after.deadlineMs) {
          this.expire(after, `срок выполнения истёк; на кассе операция не проведена (${verdict.reason})`, {
            reconciled: true,
          });
          return true;
        }
        return false;
      }
      const firstDoubt = after.state !== 'inDoubt';
      const changed =
        after.doubt?.evidence[0]?.text !== verdict.evidence || after.doubt?.needs !== verdict.needs;
      this.journal.markInDoubt(after.id, verdict.evidence, verdict.needs, true);
      if (firstDoubt || changed) {
        const updated = this.journal.get(after.id);
        if (updated) this.emit('doubt', updated);
      }
      await this.pause(after.id, pause);
      pause = Math.min(pause * 2, this.options.reconcileRetryMaxMs);
    }
  }

  private pause(id: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let done = false;
      const wake = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.wakers.delete(id);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      timer.unref();
      this.wakers.set(id, wake);
    });
  }

  /**
   * An operator's decision on a command in doubt (the device could not tell): the command is
   * settled with it, its reconciliation stops and the register's queue moves on. Only a command
   * in doubt here can be resolved; anything else is refused with the reason.
   */
  private resolve(entry: JournalEntry, command: CommandOf<'command.resolve'>): void {
    const target = this.journal.get(command.commandId);
    if (!target || target.state !== 'inDoubt' || target.registerId !== entry.registerId) {
      const state = target ? `в состоянии ${target.state}` : 'неизвестна агенту';
      this.finish(entry, 'failed', {
        ok: false,
        error: canonicalError(
          'NOT_FOUND',
          `команда ${command.commandId} не в сомнении на кассе ${entry.registerId} (${state}): решение не применено`,
        ),
      });
      return;
    }
    const note = command.note ? `: ${command.note}` : '';
    this.journal.addEvidence(
      target.id,
      command.decision === 'done'
        ? `оператор подтвердил, что документ проведён${note}`
        : `оператор подтвердил, что документ не проведён${note}`,
    );
    const decided: CommandOutcome =
      command.decision === 'done'
        ? {
            ok: true,
            result: {
              type: target.envelope.command.type,
              ...(command.fiscalId ? { fiscalId: command.fiscalId } : {}),
              raw: { resolvedBy: 'operator', ...(command.note ? { note: command.note } : {}) },
            },
          }
        : { ok: false, error: canonicalError('NOT_PERFORMED', `решение оператора${note}`) };
    this.finish(target, command.decision === 'done' ? 'done' : 'failed', decided, { resolvedBy: true });
    this.wakers.get(target.id)?.();
    this.finish(entry, 'done', { ok: true, result: { type: 'command.resolve' } });
  }

  private expire(entry: JournalEntry, message: string, extra: { reconciled?: boolean } = {}): void {
    this.finish(entry, 'expired', { ok: false, error: canonicalError('DEADLINE_EXCEEDED', message) }, extra);
  }

  private finish(
    entry: JournalEntry,
    status: ResultStatus,
    outcome: CommandOutcome,
    extra: { deviceMs?: number; started?: number; reconciled?: boolean; resolvedBy?: boolean } = {},
  ): void {
    const evidence = this.journal.get(entry.id)?.doubt?.evidence;
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
      ...(evidence && evidence.length > 0 ? { evidence } : {}),
      ...(extra.resolvedBy ? { resolvedBy: 'operator' as const } : {}),
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
        ...(extra.resolvedBy ? { resolvedBy: 'operator' } : {}),
      },
      'command finished',
    );
    this.emit('done', result);
  }
}
