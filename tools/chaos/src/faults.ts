import type { Prng } from '@kassa-relay/testing';
import { sleep, waitUntil } from '@kassa-relay/testing';
import type { PartitionMode } from './proxy';
import type { ChaosWorld, RegisterKind } from './world';

/**
 * Every fault the soak injects. Broker restarts are part of `cloud-kill`: the broker is embedded in
 * the cloud process and dies with it (its in-memory sessions too).
 */
export const FAULT_KINDS = [
  'agent-kill',
  'agent-crash-at',
  'cloud-kill',
  'device-slow',
  'commit-then-drop',
  'device-error',
  'partition-reset',
  'partition-blackhole',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** The agent's journal steps it can crash at (apps/agent/src/operations/crash-points.ts). */
export const CRASH_POINTS = ['received', 'checkpoint', 'device-answered', 'in-doubt', 'done'] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

/** A simulator fault as its control API takes it (`POST /_sim/faults`, tools/*-sim/README.md). */
export interface SimFault {
  kind: 'delay' | 'error' | 'commit-then-drop' | 'drop' | 'garble';
  count: number;
  match: string;
  delayMs?: number;
  code?: number;
  /** cash core only: false = the call is still in transit and holds nothing meanwhile. */
  holdsCore?: boolean;
}

export type FaultParams =
  | { kind: 'agent-kill'; downMs: number }
  | { kind: 'agent-crash-at'; point: CrashPoint }
  | { kind: 'cloud-kill'; downMs: number }
  | { kind: 'device-slow' | 'commit-then-drop' | 'device-error'; register: RegisterKind; fault: SimFault }
  | { kind: 'partition-reset' | 'partition-blackhole'; durationMs: number };

export interface PlannedFault {
  seq: number;
  /** Injected when every sale before this index has started (sales from it on wait for it). */
  atSale: number;
  /** A further pause after that, so the fault lands at any phase of the commands in flight. */
  jitterMs: number;
  params: FaultParams;
}

export interface FaultTuning {
  /** The agent's driver timeout: a `device-slow` delay is longer. */
  driverTimeoutMs: number;
  /** The cash core's processing window: an in-transit delay stays well inside it (docs/agent.md). */
  processingWindowMs: number;
  /** The agent's MQTT keepalive: a blackhole lasts long enough for both ends to notice. */
  keepaliveSec: number;
}

/** Where each register takes its fiscal calls (a fault matching only these spares the status reads). */
const FISCAL_MATCH: Record<RegisterKind, string> = { ikkm: '/api', 'cash-core': 'TradeOperation' };

/**
 * The fault schedule, from the seed alone: about one fault per `salesPerFault` sales, every kind in
 * `kinds` at least once (and `agent-crash-at` at every journal step once, when there is room), at
 * seeded positions in the sale sequence, each with seeded parameters.
 * Tied to sale positions rather than wall-clock times, the same seed gives the same schedule on a
 * fast and on a slow machine.
 */
export function planFaults(
  prng: Prng,
  options: { sales: number; kinds: readonly FaultKind[]; salesPerFault: number; tuning: FaultTuning },
): PlannedFault[] {
  const { sales, kinds, tuning } = options;
  if (kinds.length === 0 || sales < 2) return [];
  const total = Math.max(kinds.length, Math.round(sales / options.salesPerFault));
  const chosen: FaultKind[] = [...kinds];
  // Room permitting, the agent crashes once at every journal step.
  if (kinds.includes('agent-crash-at') && total >= kinds.length + CRASH_POINTS.length - 1)
    for (let i = 1; i < CRASH_POINTS.length; i += 1) chosen.push('agent-crash-at');
  while (chosen.length < total) chosen.push(prng.pick(kinds));
  prng.shuffle(chosen);
  // Positions in [3 %, 90 %] of the run: traffic before the first fault and after the last.
  const from = Math.max(1, Math.floor(sales * 0.03));
  const to = Math.max(from, Math.floor(sales * 0.9));
  const positions = chosen.map(() => prng.int(from, to)).sort((a, b) => a - b);
  const points = prng.shuffle([...CRASH_POINTS]);
  let crashes = 0;
  return chosen.map((kind, i) => ({
    seq: i + 1,
    atSale: positions[i] as number,
    jitterMs: prng.int(0, 1_500),
    params: faultParams(kind, prng, tuning, () => points[crashes++ % points.length] as CrashPoint),
  }));
}

function faultParams(
  kind: FaultKind,
  prng: Prng,
  tuning: FaultTuning,
  nextPoint: () => CrashPoint,
): FaultParams {
  const register: RegisterKind = prng.chance(0.5) ? 'ikkm' : 'cash-core';
  const match = FISCAL_MATCH[register];
  switch (kind) {
    case 'agent-kill':
      return { kind, downMs: prng.int(0, 4_000) };
    case 'agent-crash-at':
      return { kind, point: nextPoint() };
    case 'cloud-kill':
      return { kind, downMs: prng.int(0, 3_000) };
    case 'device-slow': {
      // Beyond the driver timeout: the agent gives up on the answer while the device still works.
      const delayMs = tuning.driverTimeoutMs + prng.int(500, 4_000);
      const inTransit = register === 'cash-core' && prng.chance(0.3);
      return {
        kind,
        register,
        fault: {
          kind: 'delay',
          count: prng.int(1, 2),
          match,
          // In transit (holding nothing), it must still end inside the processing window.
          delayMs: inTransit ? Math.min(delayMs, Math.floor(tuning.processingWindowMs / 2)) : delayMs,
          ...(inTransit ? { holdsCore: false } : {}),
        },
      };
    }
    case 'commit-then-drop':
      return {
        kind,
        register,
        fault: {
          // garble (cash core): committed, then a cut-off answer — the same doubt by another road.
          kind: register === 'cash-core' && prng.chance(0.3) ? 'garble' : 'commit-then-drop',
          count: prng.int(1, 2),
          match,
        },
      };
    case 'device-error': {
      if (prng.chance(0.25)) return { kind, register, fault: { kind: 'drop', count: 1, match } };
      // iKKM: -99 device error, -6 printer not ready, -5 low battery, -103 blocked by the OFD.
      // cash core: 1 unknown_result and 66 operation_in_progress (outcome unknown), 22 save_error,
      // 62 kkm_is_blocked (refusals).
      const code = register === 'ikkm' ? prng.pick([-99, -6, -5, -103]) : prng.pick([1, 66, 22, 62]);
      return { kind, register, fault: { kind: 'error', count: prng.int(1, 2), match, code } };
    }
    case 'partition-reset':
      return { kind, durationMs: prng.int(1_000, 6_000) };
    case 'partition-blackhole':
      // Past 1.5 × keepalive at least sometimes: the ends must find out by themselves.
      return { kind, durationMs: prng.int(2_000, Math.max(3_000, tuning.keepaliveSec * 3_000)) };
  }
}

export function describeFault(params: FaultParams): string {
  switch (params.kind) {
    case 'agent-kill':
      return `agent SIGKILL, down ${params.downMs} ms`;
    case 'agent-crash-at':
      return `agent SIGKILL at journal step "${params.point}"`;
    case 'cloud-kill':
      return `cloud (and its broker) SIGKILL, down ${params.downMs} ms`;
    case 'device-slow':
    case 'commit-then-drop':
    case 'device-error': {
      const f = params.fault;
      const detail = [
        f.kind,
        f.delayMs !== undefined ? `${f.delayMs} ms` : '',
        f.code !== undefined ? `code ${f.code}` : '',
        f.holdsCore === false ? 'in transit' : '',
      ]
        .filter(Boolean)
        .join(' ');
      return `${params.register} ${detail} ×${f.count} on ${f.match}`;
    }
    case 'partition-reset':
    case 'partition-blackhole':
      return `agent↔broker ${params.kind === 'partition-reset' ? 'reset' : 'blackhole'} for ${params.durationMs} ms`;
  }
}

/** What happened to one planned fault. */
export interface FaultRecord {
  seq: number;
  kind: FaultKind;
  atSale: number;
  description: string;
  /** ms since the run started. */
  injectedAt?: number;
  recoveredAt?: number;
  /** Device faults: how many matching calls it hit (of `count`). */
  fired?: number;
  /** agent-crash-at: whether a command reached the step (else the agent was killed by hand). */
  crashed?: boolean;
  outcome: 'done' | 'skipped' | 'failed';
  note?: string;
}

export interface FaultRunnerOptions {
  /** How many sales have started so far. */
  started: () => number;
  /** Longest the soak waits for the next sale to start before it gives up on the schedule. */
  stallMs: number;
  /** How long a device fault may wait to be hit by a fiscal call. */
  deviceFaultWaitMs: number;
  /** How long the agent may take to be back online after a fault. */
  recoveryMs: number;
  say: (line: string) => void;
  /** ms since the run started. */
  clock: () => number;
}

/**
 * Injects the planned faults one after another, each when its sale position is reached, and brings
 * the system back after each (processes started again, network restored). Sales from a fault's
 * position on wait only for its injection, never for its recovery: traffic goes on through it.
 */
export class FaultRunner {
  readonly records: FaultRecord[];
  private readonly injected: { promise: Promise<void>; resolve: () => void }[];
  private aborted = false;

  constructor(
    private readonly world: ChaosWorld,
    readonly plan: PlannedFault[],
    private readonly options: FaultRunnerOptions,
  ) {
    this.records = plan.map((fault) => ({
      seq: fault.seq,
      kind: fault.params.kind,
      atSale: fault.atSale,
      description: describeFault(fault.params),
      outcome: 'skipped',
    }));
    this.injected = plan.map(() => {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      return { promise, resolve };
    });
  }

  /** Sale `index` may start once every fault planned at or before it is injected (or given up). */
  gate(index: number): Promise<void> {
    let last = -1;
    for (let i = 0; i < this.plan.length && (this.plan[i] as PlannedFault).atSale <= index; i += 1) last = i;
    return last < 0 ? Promise.resolve() : (this.injected[last] as { promise: Promise<void> }).promise;
  }

  /** Stops after the fault under way; the rest are skipped (and their gates opened). */
  abort(): void {
    this.aborted = true;
    for (const gate of this.injected) gate.resolve();
  }

  async run(): Promise<void> {
    for (let i = 0; i < this.plan.length; i += 1) {
      const fault = this.plan[i] as PlannedFault;
      const record = this.records[i] as FaultRecord;
      const opened = () => (this.injected[i] as { resolve: () => void }).resolve();
      if (this.aborted) break;
      if (!(await this.reach(fault.atSale))) {
        this.options.say(
          `fault schedule stalled: no sale started for ${this.options.stallMs / 1000} s before sale #${fault.atSale}; the remaining faults are skipped`,
        );
        this.abort();
        break;
      }
      await sleep(fault.jitterMs);
      try {
        await this.execute(fault, record, () => {
          record.injectedAt = this.options.clock();
          this.options.say(`fault #${fault.seq} (sale #${fault.atSale}): ${record.description}`);
          opened();
        });
        record.outcome = 'done';
      } catch (error) {
        record.outcome = 'failed';
        record.note = (error as Error).message.split('\n')[0];
        this.options.say(`fault #${fault.seq} failed: ${(error as Error).message}`);
        await this.bringBack().catch(() => undefined);
      } finally {
        opened();
        record.recoveredAt = this.options.clock();
      }
    }
    for (const gate of this.injected) gate.resolve();
  }

  /** Waits until every sale before `index` has started; false when no sale started for `stallMs`. */
  private async reach(index: number): Promise<boolean> {
    let last = this.options.started();
    let lastMovedAt = Date.now();
    while (this.options.started() < index) {
      if (this.aborted) return false;
      const now = this.options.started();
      if (now !== last) {
        last = now;
        lastMovedAt = Date.now();
      } else if (Date.now() - lastMovedAt > this.options.stallMs) return false;
      await sleep(50);
    }
    return true;
  }

  private async execute(fault: PlannedFault, record: FaultRecord, injected: () => void): Promise<void> {
    const world = this.world;
    const params = fault.params;
    switch (params.kind) {
      case 'agent-kill':
        await world.withPart('agent', async () => {
          await world.killAgent();
          injected();
          await sleep(params.downMs);
          await world.startAgent();
        });
        await this.agentOnline();
        return;

      case 'agent-crash-at':
        await this.crashAt(params.point, record, injected);
        await this.agentOnline();
        return;

      case 'cloud-kill':
        await world.withPart('cloud', async () => {
          await world.killCloud();
          injected();
          await sleep(params.downMs);
          await world.startCloud();
        });
        await this.agentOnline();
        return;

      case 'device-slow':
      case 'commit-then-drop':
      case 'device-error': {
        const id = await this.addSimFault(params.register, params.fault);
        injected();
        record.fired = await this.waitFired(params.register, id, params.fault.count);
        if (record.fired < params.fault.count) await this.clearSimFaults(params.register);
        return;
      }

      case 'partition-reset':
      case 'partition-blackhole': {
        const mode: PartitionMode = params.kind === 'partition-reset' ? 'reset' : 'blackhole';
        world.proxy.cut(mode);
        injected();
        await sleep(params.durationMs);
        world.proxy.restore();
        await this.agentOnline();
        return;
      }
    }
  }

  /**
   * The agent started again armed with KASSA_AGENT_CRASH_AT: it SIGKILLs itself when a command
   * reaches that journal step. For `in-doubt` a fiscal call's answer must be lost first, so each
   * register gets one commit-then-drop. Not reached in time → killed by hand (recorded).
   */
  private async crashAt(point: CrashPoint, record: FaultRecord, injected: () => void): Promise<void> {
    const world = this.world;
    const armed = await world.withPart('agent', async () => {
      await world.stopAgent();
      return world.startAgent(point).catch((error: Error) => {
        // A command may reach the step before the start line is even read.
        if (world.agent && !world.agent.running) return world.agent;
        throw error;
      });
    });
    const ids: Partial<Record<RegisterKind, number>> = {};
    if (point === 'in-doubt')
      for (const register of ['ikkm', 'cash-core'] as const)
        ids[register] = await this.addSimFault(register, {
          kind: 'commit-then-drop',
          count: 1,
          match: FISCAL_MATCH[register],
        });
    injected();
    const crashed = await Promise.race([
      armed.exited.then(() => true),
      sleep(this.options.deviceFaultWaitMs).then(() => false),
    ]);
    record.crashed = crashed;
    if (!crashed) record.note = `no command reached "${point}" in ${this.options.deviceFaultWaitMs} ms`;
    await world.withPart('agent', async () => {
      if (armed.running) await world.killAgent();
      if (world.agent === armed) await world.startAgent();
    });
    if (point === 'in-doubt') {
      let fired = 0;
      for (const register of ['ikkm', 'cash-core'] as const) {
        const left = await this.remaining(register, ids[register] as number);
        if (left > 0) await this.clearSimFaults(register);
        else fired += 1;
      }
      record.fired = fired;
    }
  }

  private async agentOnline(): Promise<void> {
    await this.world.waitAgentOnline(this.options.recoveryMs);
  }

  /** After a failed fault: every part running, the network whole. */
  async bringBack(): Promise<void> {
    const world = this.world;
    world.proxy.restore();
    await world.withPart('cloud', async () => {
      if (!world.cloud?.running) await world.startCloud();
    });
    await world.withPart('agent', async () => {
      if (!world.agent?.running) await world.startAgent();
    });
    await this.agentOnline();
  }

  private async addSimFault(register: RegisterKind, fault: SimFault): Promise<number> {
    return (await this.world.sim<{ id: number }>(register, 'POST', '/_sim/faults', fault)).id;
  }

  async clearSimFaults(register: RegisterKind): Promise<void> {
    await this.world.sim(register, 'DELETE', '/_sim/faults');
  }

  /** Uses left of a simulator fault (`GET /_sim/state`: iKKM says `count`, the cash core `remaining`). */
  private async remaining(register: RegisterKind, id: number): Promise<number> {
    const { faults } = await this.world.sim<{ faults: { id: number; count?: number; remaining?: number }[] }>(
      register,
      'GET',
      '/_sim/state',
    );
    const fault = faults.find((f) => f.id === id);
    return fault ? (fault.remaining ?? fault.count ?? 0) : 0;
  }

  /** Waits until the fault has hit `count` calls (or the wait is over); answers how many it hit. */
  private async waitFired(register: RegisterKind, id: number, count: number): Promise<number> {
    let left = count;
    await waitUntil(
      async () => {
        left = await this.remaining(register, id);
        return left === 0;
      },
      this.options.deviceFaultWaitMs,
      'the device fault to fire',
    ).catch(() => undefined);
    return count - left;
  }
}
