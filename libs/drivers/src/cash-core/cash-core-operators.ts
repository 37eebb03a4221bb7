import {
  canonicalError,
  type CanonicalError,
  type CommandOf,
  type OperatorRole,
} from '@kassa-relay/protocol';
import { int, list, obj, ROLE, str } from './cash-core-wire';

/** The cash core's operators (GetOperatorList) and the plan of an operators.sync. */

export const ROLE_CODE: Record<OperatorRole, number> = {
  administrator: ROLE.ADMINISTRATOR,
  seniorCashier: ROLE.SENIOR_CASHIER,
  cashier: ROLE.CASHIER,
};
export const ROLE_NAME: Record<number, OperatorRole> = {
  [ROLE.ADMINISTRATOR]: 'administrator',
  [ROLE.SENIOR_CASHIER]: 'seniorCashier',
  [ROLE.CASHIER]: 'cashier',
};

/** The method names an operators.sync checkpoint carries, for its SaveOperator/DeleteOperator steps. */
export const OPERATORS_SYNC_METHOD = 'SaveOperator/DeleteOperator';

export interface CoreOperator {
  id: number;
  name: string;
  role: number;
  email: string;
  pin: string | undefined;
  bindings: number[];
}

/** One SaveOperator or DeleteOperator call of an operators.sync plan. */
export type OperatorStep = { method: 'SaveOperator' | 'DeleteOperator'; request: Record<string, unknown> };

type Planned = { ok: true; value: OperatorStep[] } | { ok: false; error: CanonicalError };

/** GetOperatorList's `response_data` → operators (entries without an ID are skipped). */
export function readOperators(data: unknown): CoreOperator[] {
  return list(data).flatMap((raw): CoreOperator[] => {
    const o = obj(raw);
    const id = int(o['ID'] ?? o['id']);
    if (id === undefined) return [];
    return [
      {
        id,
        name: str(o['name']) ?? '',
        role: int(o['role']) ?? ROLE.CASHIER,
        email: str(o['email']) ?? '',
        pin: str(o['access_pin']),
        bindings: list(o['bindings']).flatMap((b) => (int(b) !== undefined ? [int(b) as number] : [])),
      },
    ];
  });
}

/**
 * The SaveOperator/DeleteOperator calls that bring the core's operators to what the command asks,
 * given the operators it has now; empty when nothing is left to do.
 */
export function planOperatorSync(
  command: CommandOf<'operators.sync'>,
  existing: CoreOperator[],
  kkmId: number,
): Planned {
  const steps: OperatorStep[] = [];
  for (const wanted of command.upsert) {
    const target =
      wanted.code !== undefined
        ? existing.find((o) => o.id === wanted.code)
        : existing.find((o) => o.name === wanted.name);
    if (wanted.code !== undefined && !target) {
      return {
        ok: false,
        error: canonicalError('NOT_FOUND', `кассира с кодом ${wanted.code} нет в кассовом ядре`),
      };
    }
    const pin = wanted.pin ?? target?.pin;
    if (!pin)
      return {
        ok: false,
        error: canonicalError('INVALID_REQUEST', `для нового кассира «${wanted.name}» нужен PIN-код`),
      };
    const role = ROLE_CODE[wanted.role];
    const bound = target?.bindings.includes(kkmId) ?? false;
    if (target && target.name === wanted.name && target.role === role && target.pin === pin && bound)
      continue;
    const bindings = [...new Set([...(target?.bindings ?? []), kkmId])];
    steps.push({
      method: 'SaveOperator',
      request: {
        id: target?.id ?? 0,
        name: wanted.name,
        access_pin: pin,
        role,
        email: target?.email ?? '',
        bindings,
      },
    });
  }
  for (const code of command.delete) {
    const target = existing.find((o) => o.id === code);
    // Already gone, or not on this register: nothing to do here.
    if (!target) continue;
    const others = target.bindings.filter((b) => b !== kkmId);
    if (target.bindings.includes(kkmId) && others.length > 0) {
      if (!target.pin)
        return {
          ok: false,
          error: canonicalError('DEVICE_ERROR', `кассовое ядро не сообщило PIN кассира ${code}`),
        };
      steps.push({
        method: 'SaveOperator',
        request: {
          id: target.id,
          name: target.name,
          access_pin: target.pin,
          role: target.role,
          email: target.email,
          bindings: others,
        },
      });
    } else if (others.length === 0) {
      steps.push({ method: 'DeleteOperator', request: { id: target.id } });
    }
  }
  return { ok: true, value: steps };
}

/** PINs are never written to the agent's journal. */
export const redactStep = (step: OperatorStep): OperatorStep =>
  'access_pin' in step.request ? { ...step, request: { ...step.request, access_pin: '***' } } : step;
