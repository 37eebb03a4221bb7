import type {
  CanonicalCommand,
  CommandOutcome,
  DoubtNeeds,
  RegisterCapabilities,
  RegisterHealth,
  RegisterKind,
} from '@kassa-relay/protocol';

/**
 * What a driver records just before it sends a fiscal call, so that after a crash or a lost
 * answer `reconcile` can tell whether the call took effect — without sending it blindly again.
 * The caller must store it durably before `checkpoint` returns.
 */
export type ReconcileCheckpoint =
  | {
      kind: 'ikkm';
      /** The web-api key the request was sent with (its idempotency key on the device). */
      keyUsed: string;
      /** The exact request, so a repeat is byte-identical (the device answers a repeat with 203). */
      path: string;
      params: Record<string, string>;
      /** How it was sent; absent = POST (every checkpoint written before this field was a POST). */
      method?: 'GET' | 'POST';
      /** When the checkpoint was written (ISO): the start of the window the document can be in. */
      at?: string;
      /** Shift state before the call, for operations that do not rotate the key (Z report). */
      shiftNumber?: number;
      shiftOpen?: boolean;
      lastChequeId?: number;
      /**
       * Set (by a second checkpoint call) when the device answered this request 203 although it
       * was the command's first send: the stored key was stale and the device only replayed the
       * answer of an earlier registration (seed 002: a repeat is never registered). `answeredKey`
       * is the key that answer carried, now the stored key.
       */
      staleKey?: { answeredKey: string; documentNumber?: number };
    }
  | {
      kind: 'cash-core';
      kkmOfdId: number;
      /** Counters read just before the call: a newer document than these is ours if it matches. */
      shiftNumber: number;
      shiftOpen: boolean;
      shiftDocumentNumber: number;
      /** The request method and body, to match the document found and to describe it. */
      method: string;
      request: unknown;
      at: string;
    };

export interface ExecuteContext {
  /** The command id: idempotency key across the whole chain, useful in device-side notes. */
  commandId: string;
  /**
   * Called before every device call that may change fiscal state; awaited. The agent writes the
   * checkpoint to its journal (state `executing`) here. A driver may call it again after the call
   * to add what it learned (the latest call replaces the stored checkpoint).
   */
  checkpoint(data: ReconcileCheckpoint): Promise<void> | void;
}

export interface ReconcileEntry {
  command: CanonicalCommand;
  commandId: string;
  checkpoint: ReconcileCheckpoint | undefined;
  /**
   * Past the deadline the command must not be *started* again. A reconciliation that can only
   * finish what was already sent (an iKKM repeat with the same key, which the device never
   * registers twice) may still run.
   */
  deadlinePassed: boolean;
  /** How many reconciliations of this command ran before this one (0 = the first). */
  attempt: number;
}

export type { DoubtNeeds };

export type ReconcileVerdict =
  /**
   * Settled by the device: it had happened (ok outcome with the device's own document), or the
   * same-key repeat was refused by the device and so provably registered nothing (failed outcome).
   */
  | { state: 'done'; outcome: CommandOutcome }
  /** Proven not to have happened: the caller may execute it if the deadline allows. */
  | { state: 'notDone'; reason: string }
  /**
   * Not proven either way (device busy, unreachable, still inside its processing window, or the
   * evidence does not match exactly): never re-sent, never reported failed; asked again later.
   */
  | { state: 'inDoubt'; evidence: string; needs?: DoubtNeeds };

/**
 * Outcomes of `execute` the caller must tell apart:
 * - `RESULT_UNKNOWN`: a fiscal call was sent (its checkpoint stored) and it is not proven whether
 *   it took effect — the command is in doubt and goes to `reconcile`, never sent again blindly;
 * - `REGISTER_BUSY`: the device refused the call because it is busy, before doing anything — the
 *   caller may wait and run the command again while its deadline allows;
 * - any other failure: the device refused it, or it never reached the device: not performed.
 */
export interface RegisterDriver {
  readonly kind: RegisterKind;
  capabilities(): RegisterCapabilities;
  /** Runs one command. Never throws: device or input problems, and its own bugs, are outcomes. */
  execute(command: CanonicalCommand, context: ExecuteContext): Promise<CommandOutcome>;
  /** Health for the heartbeat: reachable, shift, cash, offline queue, warnings. */
  status(): Promise<RegisterHealth>;
  /** Decides whether a command interrupted mid-call took effect on the device. */
  reconcile(entry: ReconcileEntry): Promise<ReconcileVerdict>;
}

/** Durable home of the iKKM's rotating web-api key (the agent keeps it in its journal database). */
export interface IkkmKeyStore {
  load(): string | Promise<string>;
  save(key: string): void | Promise<void>;
}
