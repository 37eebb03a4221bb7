import { join } from 'node:path';
import {
  canonicalCommandSchema,
  type CanonicalCommand,
  type CanonicalCommandInput,
  type CommandOutcome,
  type Receipt,
  receiptSchema,
  type ReceiptInput,
} from '@kassa-relay/protocol';
import { startCashCoreSimulator, type BusyBehaviour, type Readings } from '@kassa-relay/cash-core-sim';
import { tempDir } from '@kassa-relay/testing';
import { CashCoreDriver, type CashCoreDriverConfig } from '../../src/cash-core';
import type {
  ExecuteContext,
  ReconcileCheckpoint,
  ReconcileEntry,
  ReconcileVerdict,
} from '../../src/register-driver';

export const ADMIN_PIN = '4321';
export const KKM = 6923;

export interface JournalEntry {
  seq: number;
  kind: string;
  operation: string;
  kkmOfdId: number;
  transactionId: number;
  shiftNumber: number;
  shiftDocumentNumber: number;
  fiscalNumber?: string;
  total: number;
  payments: { type: number; sum: number }[];
  change?: number;
  offline: boolean;
  operatorId: number;
}

export interface SimStateView {
  readings: Readings;
  busy: BusyBehaviour & { running: { method: string; sinceMs: number } | null; pending: number };
  offline: boolean;
  shiftOpen: boolean;
  shiftNumber: number;
  shiftDocumentNumber: number;
  cashInDrawer: number;
  journalLength: number;
  faults: unknown[];
  registers: { kkmOfdId: number; id: number; bindings: number[]; offlineQueue: number }[];
  operators: { id: number; name: string; role: number; accessPin: string }[];
}

/** One simulated cash core, a driver on it, and the checkpoints the driver handed over. */
export interface CashCoreWorld {
  url: string;
  driver: CashCoreDriver;
  checkpoints: ReconcileCheckpoint[];
  /** For each checkpoint: the simulator's journal length at the moment it was stored. */
  journalAtCheckpoint: number[];
  context: ExecuteContext;
  /** The driver's clock runs ahead by this much, like the simulator's after `advance` (same LAN, same NTP). */
  clock: { offsetMs: number };
  control<T = unknown>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T>;
  journal(): Promise<JournalEntry[]>;
  state(): Promise<SimStateView>;
  fault(spec: {
    kind: 'delay' | 'error' | 'commit-then-drop' | 'drop' | 'garble';
    match?: string;
    delayMs?: number;
    code?: number;
    count?: number;
    /** `delay`: false = the call is still in transit, the core does not answer others busy. */
    holdsCore?: boolean;
  }): Promise<void>;
  advance(ms: number): Promise<void>;
  /** Switches the simulator's readings of what the seed leaves open (`POST /_sim/readings`). */
  readings(readings: Partial<Readings>): Promise<Readings>;
  /** The core process restarts: a call still running is abandoned and never commits. */
  restart(): Promise<{ abandoned: number }>;
  driverWith(config: Partial<CashCoreDriverConfig>): CashCoreDriver;
  execute(command: CanonicalCommandInput, driver?: CashCoreDriver): Promise<CommandOutcome>;
  reconcileEntry(
    command: CanonicalCommandInput,
    checkpoint?: ReconcileCheckpoint,
    attempt?: number,
  ): ReconcileEntry;
  /** Runs a command to a final state the way the agent does (see `Settled`). */
  settle(command: CanonicalCommandInput, options?: SettleOptions): Promise<Settled>;
  close(): Promise<void>;
}

export interface SettleOptions {
  driver?: CashCoreDriver;
  /** Pause between reconciliations in doubt and between REGISTER_BUSY retries. Default 150 ms. */
  pauseMs?: number;
  /** Gives up (final "inDoubt") after this long. Default 15 s. */
  maxMs?: number;
  /** Called after each reconciliation, before the next step (to inject what happens meanwhile). */
  onVerdict?(verdict: ReconcileVerdict, index: number): Promise<void> | void;
}

/**
 * What running a command the agent's way came to: execute; REGISTER_BUSY → wait, execute again;
 * RESULT_UNKNOWN (or DEVICE_TIMEOUT) → reconcile until the verdict is not in doubt (a short pause
 * between tries): done → finished, notDone → execute again; in doubt that needs an operator → stop.
 */
export interface Settled {
  final: 'done' | 'failed' | 'inDoubt';
  outcome?: CommandOutcome;
  /** The last verdict when the command ended in doubt. */
  verdict?: ReconcileVerdict;
  verdicts: ReconcileVerdict[];
  executions: number;
  busyRetries: number;
}

export interface CashCoreWorldOptions {
  readings?: Partial<Readings> | 'strict' | 'convenient';
  busy?: Partial<BusyBehaviour>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startCashCoreWorld(options: CashCoreWorldOptions = {}): Promise<CashCoreWorld> {
  const dir = tempDir('cash-core-driver-');
  const sim = await startCashCoreSimulator({
    port: 0,
    stateDir: join(dir.path, 'sim'),
    adminPin: ADMIN_PIN,
    ...(options.readings ? { readings: options.readings } : {}),
    ...(options.busy ? { busy: options.busy } : {}),
  });
  const clock = { offsetMs: 0 };
  const checkpoints: ReconcileCheckpoint[] = [];
  const journalAtCheckpoint: number[] = [];

  async function control<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${sim.url}/_sim${path}`, {
      method,
      ...(body !== undefined
        ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
        : {}),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${path}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  }
  const journal = async () => (await control<{ entries: JournalEntry[] }>('GET', '/journal')).entries;

  const driverWith = (config: Partial<CashCoreDriverConfig>) =>
    new CashCoreDriver({
      baseUrl: sim.url,
      accessCode: ADMIN_PIN,
      kkmOfdId: KKM,
      timeoutMs: 2_000,
      // Short, so a lost call's window passes within a test; real defaults are 15 s and 120 s.
      processingWindowMs: 1_000,
      now: () => new Date(Date.now() + clock.offsetMs),
      ...config,
    });
  const driver = driverWith({});

  const context: ExecuteContext = {
    commandId: 'cmd-1',
    checkpoint: async (data) => {
      // Stored before the call leaves: the simulator must not have the document yet.
      journalAtCheckpoint.push((await journal()).length);
      checkpoints.push(data);
    },
  };

  const reconcileEntry = (
    command: CanonicalCommandInput,
    checkpoint?: ReconcileCheckpoint,
    attempt = 0,
  ): ReconcileEntry => ({
    command: canonicalCommandSchema.parse(command) as CanonicalCommand,
    commandId: 'cmd-1',
    checkpoint: checkpoint ?? checkpoints[checkpoints.length - 1],
    deadlinePassed: false,
    attempt,
  });

  async function settle(input: CanonicalCommandInput, settleOptions: SettleOptions = {}): Promise<Settled> {
    const target = settleOptions.driver ?? driver;
    const pauseMs = settleOptions.pauseMs ?? 150;
    const until = Date.now() + (settleOptions.maxMs ?? 15_000);
    const command = canonicalCommandSchema.parse(input);
    const verdicts: ReconcileVerdict[] = [];
    let executions = 0;
    let busyRetries = 0;
    const settled = (rest: Omit<Settled, 'verdicts' | 'executions' | 'busyRetries'>): Settled => ({
      ...rest,
      verdicts,
      executions,
      busyRetries,
    });
    while (Date.now() < until) {
      const stored = checkpoints.length;
      const outcome = await target.execute(command, context);
      executions += 1;
      if (outcome.ok) return settled({ final: 'done', outcome });
      if (outcome.error.code === 'REGISTER_BUSY') {
        busyRetries += 1;
        await sleep(pauseMs);
        continue;
      }
      if (outcome.error.code !== 'RESULT_UNKNOWN' && outcome.error.code !== 'DEVICE_TIMEOUT')
        return settled({ final: 'failed', outcome });
      // In doubt: reconcile with this execution's checkpoint (none: nothing was sent).
      const checkpoint = checkpoints.length > stored ? checkpoints[checkpoints.length - 1] : undefined;
      let attempt = 0;
      for (;;) {
        const verdict = await target.reconcile({
          command,
          commandId: 'cmd-1',
          checkpoint,
          deadlinePassed: false,
          attempt,
        });
        verdicts.push(verdict);
        await settleOptions.onVerdict?.(verdict, verdicts.length - 1);
        if (verdict.state === 'done') return settled({ final: 'done', outcome: verdict.outcome });
        if (verdict.state === 'notDone') break;
        if (verdict.needs || Date.now() >= until) return settled({ final: 'inDoubt', verdict });
        attempt += 1;
        await sleep(pauseMs);
      }
    }
    return settled({
      final: 'inDoubt',
      ...(verdicts.length > 0 ? { verdict: verdicts[verdicts.length - 1] } : {}),
    });
  }

  return {
    url: sim.url,
    driver,
    checkpoints,
    journalAtCheckpoint,
    context,
    clock,
    control,
    journal,
    state: () => control<SimStateView>('GET', '/state'),
    fault: async (spec) => {
      await control('POST', '/faults', spec);
    },
    advance: async (ms) => {
      await control('POST', '/clock', { advanceMs: ms });
      clock.offsetMs += ms;
    },
    readings: (readings) => control<Readings>('POST', '/readings', readings),
    restart: () => control<{ abandoned: number }>('POST', '/restart'),
    driverWith,
    execute: (command, other) => (other ?? driver).execute(canonicalCommandSchema.parse(command), context),
    reconcileEntry,
    settle,
    close: async () => {
      await sim.close().catch(() => undefined);
      dir.remove();
    },
  };
}

/** A sale of `quantity` thousandths at `price` tiyn, paid in cash (`paid` ≥ total gives change). */
export function sale(
  price: number,
  options: { quantity?: number; paid?: number; extra?: Partial<ReceiptInput> } = {},
): Receipt {
  const quantity = options.quantity ?? 1000;
  const sum = Math.floor((price * quantity + 500) / 1000);
  return receiptSchema.parse({
    type: 'receipt',
    operation: 'sale',
    items: [{ name: 'Кофе', quantity, price, sum }],
    payments: [{ kind: 'cash', amount: options.paid ?? sum }],
    total: sum,
    ...options.extra,
  });
}

export const ok = (outcome: CommandOutcome) => {
  if (!outcome.ok) throw new Error(`expected success, got ${JSON.stringify(outcome.error)}`);
  return outcome.result;
};

export const err = (outcome: CommandOutcome) => {
  if (outcome.ok) throw new Error(`expected an error, got ${JSON.stringify(outcome.result)}`);
  return outcome.error;
};
