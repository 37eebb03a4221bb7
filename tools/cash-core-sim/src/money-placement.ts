import { type MethodDefinition, assertCanRegister, callerOf, json, registerOf } from './method-context';
import { type Tiyn, tengeToTiyn, toMoney } from './money';
import { toDateTimeObject } from './register-time';
import {
  CommandType,
  type KkmRecord,
  MoneyPlacementType,
  type SimState,
  allocateDocument,
  appendJournal,
  documentAnswerHeader,
  openShiftIfClosed,
} from './register-state';
import { CashCoreError } from './response-codes';

export const PLACEMENT_NAMES: Record<MoneyPlacementType, string> = {
  0: 'MONEY_PLACEMENT_DEPOSIT',
  1: 'MONEY_PLACEMENT_WITHDRAWAL',
};

/**
 * Registers a cash deposit or withdrawal document (also used for the automatic withdrawal before a
 * Z report when `auto_withdraw_money` is set). Opens the shift if it is closed.
 */
export function registerMoneyPlacement(
  state: SimState,
  kkm: KkmRecord,
  operator: { id: number; name: string },
  operation: MoneyPlacementType,
  sumTiyn: Tiyn,
  now: number,
  utcOffsetMinutes: number,
  automatic = false,
) {
  if (operation === MoneyPlacementType.WITHDRAWAL && sumTiyn > kkm.cashTiyn) {
    throw new CashCoreError(
      'not_enough_cash',
      `drawer holds ${kkm.cashTiyn / 100}, ${sumTiyn / 100} requested`,
    );
  }
  openShiftIfClosed(kkm, now);
  const numbers = allocateDocument(state, kkm, now);
  kkm.cashTiyn += operation === MoneyPlacementType.DEPOSIT ? sumTiyn : -sumTiyn;
  const operatorOut = { code: operator.id, name: operator.name };
  // MoneyPlacementObject: the seed writes `datetime` here (not `date_time` as in tickets and reports).
  const body = {
    datetime: toDateTimeObject(now, utcOffsetMinutes),
    operation,
    sum: toMoney(sumTiyn),
    is_offline: numbers.isOffline,
    fr_shift_number: numbers.shiftNumber,
    printed_document_number: numbers.shiftDocumentNumber,
    operator: operatorOut,
  };
  state.transactions.push({
    id: numbers.transactionId,
    kkmOfdId: kkm.ofdId,
    atMs: now,
    command: CommandType.MONEY_PLACEMENT,
    shiftNumber: numbers.shiftNumber,
    shiftDocumentNumber: numbers.shiftDocumentNumber,
    isOffline: numbers.isOffline,
    operator: operatorOut,
    placement: { operation, sumTiyn, automatic },
    body,
  });
  appendJournal(state, {
    kind: operation === MoneyPlacementType.DEPOSIT ? 'deposit' : 'withdrawal',
    operation: PLACEMENT_NAMES[operation],
    kkmOfdId: kkm.ofdId,
    transactionId: numbers.transactionId,
    shiftNumber: numbers.shiftNumber,
    shiftDocumentNumber: numbers.shiftDocumentNumber,
    total: sumTiyn,
    payments: [{ type: 0, sum: sumTiyn }],
    offline: numbers.isOffline,
    operatorId: operator.id,
    at: now,
  });
  return {
    ...documentAnswerHeader(kkm, CommandType.MONEY_PLACEMENT, operator.name, numbers),
    body,
    ads_info: [],
  };
}

export const moneyPlacement: MethodDefinition = {
  name: 'MoneyPlacement',
  httpMethods: 'POST',
  auth: true,
  mutates: true,
  handle(ctx) {
    const operator = callerOf(ctx);
    const { fields } = ctx;
    const kkm = registerOf(ctx);
    assertCanRegister(kkm, ctx.now);
    const operation = fields.requiredInt('operation');
    if (operation !== MoneyPlacementType.DEPOSIT && operation !== MoneyPlacementType.WITHDRAWAL) {
      throw fields.error('operation', 'must be 0 (deposit) or 1 (withdrawal)');
    }
    const sum = fields.requiredNumber('sum');
    if (sum < 0) throw fields.error('sum', 'must not be negative', 'money_value_is_negative');
    const sumTiyn = tengeToTiyn(sum);
    if (sumTiyn === null || sumTiyn === 0)
      throw fields.error('sum', 'must be a positive amount with at most two decimals');
    return json(
      registerMoneyPlacement(ctx.state, kkm, operator, operation, sumTiyn, ctx.now, ctx.utcOffsetMinutes),
    );
  },
};
