import type {
  CanonicalCommand,
  CommandOutcome,
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
      /** Shift state before the call, for operations that do not rotate the key (Z report). */
      shiftNumber?: number;
      shiftOpen?: boolean;
      lastChequeId?: number;
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
   * checkpoint to its journal (state `executing`) here.
   */
  checkpoint(data: ReconcileCheckpoint): Promise<void> | void;
}

export interface ReconcileEntry {
  command: CanonicalCommand;
  commandId: string;
  checkpoint: ReconcileCheckpoint | undefined;
  /** Past the deadline the command must not be executed now; reconcile only reads. */
  deadlinePassed: boolean;
}

export type ReconcileVerdict =
  /** It had happened (or, for an iKKM repeat with the same key, happened exactly once now). */
  | { state: 'done'; outcome: CommandOutcome }
  /** Proven not to have happened: the caller may execute it if the deadline allows. */
  | { state: 'notDone'; reason: string }
  /** The device cannot be asked right now (unreachable): try again later, do not execute. */
  | { state: 'unknown'; reason: string };

export interface RegisterDriver {
  readonly kind: RegisterKind;
  capabilities(): RegisterCapabilities;
  /** Runs one command. Never throws for device or input problems: they are failed outcomes. */
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
