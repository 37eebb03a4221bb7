import type { Fields } from './request-fields';
import {
  type KkmRecord,
  OFFLINE_MAX_MS,
  type OperatorRecord,
  OperatorRole,
  SHIFT_MAX_MS,
  type SimState,
  findKkm,
} from './register-state';
import type { Readings } from './readings';
import { CashCoreError } from './response-codes';

/** Everything a method handler sees: the state to read or change, the register clock, the caller. */
export interface MethodContext {
  state: SimState;
  /** Register clock, ms epoch. */
  now: number;
  /** The caller authenticated by PIN or token; `null` only for methods without auth (Ping). */
  operator: OperatorRecord | null;
  fields: Fields;
  utcOffsetMinutes: number;
  /** How the answers the seed leaves open are shaped (`POST /_sim/readings`). */
  readings: Readings;
}

export type MethodResult = { kind: 'json'; data: unknown } | { kind: 'png'; png: Buffer };

export interface MethodDefinition {
  name: string;
  /** Seed 003 marks each method "POST" or "GET/POST". */
  httpMethods: 'POST' | 'GET/POST';
  auth: boolean;
  /** Changes state: run on a snapshot and persisted before the answer is sent. */
  mutates: boolean;
  handle(ctx: MethodContext): MethodResult;
}

export const json = (data: unknown): MethodResult => ({ kind: 'json', data });

export function callerOf(ctx: MethodContext): OperatorRecord {
  if (!ctx.operator) throw new CashCoreError('invalid_access_code');
  return ctx.operator;
}

export const isAdministrator = (operator: OperatorRecord) => operator.role === OperatorRole.ADMINISTRATOR;

/** Register management (SaveKKM, SaveOperator, …) is for administrators only. */
export function requireAdministrator(ctx: MethodContext): OperatorRecord {
  const operator = callerOf(ctx);
  if (!isAdministrator(operator)) throw new CashCoreError('kkm_access_denied', 'administrator role required');
  return operator;
}

/**
 * Whether a cashier may use a register. Administrators use every register. A cashier needs to be
 * in the register's `bindings`: one bound to no register at all gets `kkm_invalid_bindings` (72,
 * "no rights to use the register"), one bound to other registers `kkm_access_denied` (71).
 */
export function assertRegisterAccess(state: SimState, operator: OperatorRecord, kkm: KkmRecord): void {
  if (isAdministrator(operator) || kkm.operatorIds.includes(operator.id)) return;
  const boundAnywhere = state.kkms.some((k) => k.operatorIds.includes(operator.id));
  if (!boundAnywhere)
    throw new CashCoreError('kkm_invalid_bindings', `operator ${operator.id} is bound to no register`);
  throw new CashCoreError(
    'kkm_access_denied',
    `operator ${operator.id} is not bound to register ${kkm.ofdId}`,
  );
}

/** Reads `kkm_ofd_id`, finds the register (61 if unknown) and checks the caller may use it. */
export function registerOf(ctx: MethodContext, field = 'kkm_ofd_id'): KkmRecord {
  const ofdId = ctx.fields.requiredInt(field);
  const kkm = findKkm(ctx.state, ofdId);
  if (!kkm) throw new CashCoreError('invalid_kkm_ofd_id', `no register ${ofdId}`);
  assertRegisterAccess(ctx.state, callerOf(ctx), kkm);
  return kkm;
}

/**
 * Before any fiscal document: a blocked register refuses (62); autonomous mode beyond 72 h
 * refuses (18); a shift older than 24 h must be closed first (31) — only the Z report passes.
 */
export function assertCanRegister(
  kkm: KkmRecord,
  now: number,
  options: { closingShift?: boolean } = {},
): void {
  if (kkm.blocked) throw new CashCoreError('kkm_is_blocked', kkm.blockedInfo || undefined);
  if (options.closingShift) return;
  if (kkm.offline && kkm.offlineStartMs !== null && now - kkm.offlineStartMs > OFFLINE_MAX_MS) {
    throw new CashCoreError('kkm_in_offline_mode_too_long', 'autonomous mode longer than 72 h');
  }
  if (kkm.shiftOpen && kkm.shiftOpenMs !== null && now - kkm.shiftOpenMs > SHIFT_MAX_MS) {
    throw new CashCoreError(
      'shift_duration_is_too_long',
      'shift open longer than 24 h: close it with a Z report',
    );
  }
}
