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
import { startCashCoreSimulator } from '@kassa-relay/cash-core-sim';
import { tempDir } from '@kassa-relay/testing';
import { CashCoreDriver, type CashCoreDriverConfig } from '../../src/cash-core';
import type { ExecuteContext, ReconcileCheckpoint, ReconcileEntry } from '../../src/register-driver';

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
    kind: 'delay' | 'error' | 'commit-then-drop' | 'drop';
    match?: string;
    delayMs?: number;
    code?: number;
    count?: number;
  }): Promise<void>;
  advance(ms: number): Promise<void>;
  driverWith(config: Partial<CashCoreDriverConfig>): CashCoreDriver;
  execute(command: CanonicalCommandInput, driver?: CashCoreDriver): Promise<CommandOutcome>;
  reconcileEntry(command: CanonicalCommandInput, checkpoint?: ReconcileCheckpoint): ReconcileEntry;
  close(): Promise<void>;
}

export async function startCashCoreWorld(): Promise<CashCoreWorld> {
  const dir = tempDir('cash-core-driver-');
  const sim = await startCashCoreSimulator({ port: 0, stateDir: join(dir.path, 'sim'), adminPin: ADMIN_PIN });
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
    driverWith,
    execute: (command, other) => (other ?? driver).execute(canonicalCommandSchema.parse(command), context),
    reconcileEntry: (command, checkpoint) => ({
      command: canonicalCommandSchema.parse(command) as CanonicalCommand,
      commandId: 'cmd-1',
      checkpoint: checkpoint ?? checkpoints[checkpoints.length - 1],
      deadlinePassed: false,
    }),
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

export const waitFor = async (predicate: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> => {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('condition not met in time');
};
