import type { CanonicalCommand } from '../canonical/commands';
import type { Receipt, ReceiptItem, ReceiptTax } from '../canonical/receipt';
import type { CommandOutcome, CommandResult, RegisterIdentity, ShiftCounters } from '../canonical/results';
import { emptyShiftCounters } from '../canonical/results';
import { type CanonicalError, canonicalError } from '../errors/canonical-error';
import { DecimalFormatError, mulDivRound } from '../money/decimal';
import type { MilliPercent } from '../money/minor-units';
import { minorToWsDecimal, wsPriceToMinor, wsQuantityToMilli } from '../money/ws-money';
import type { WsEvent, WsRequest } from './ws-frames';
import { wsAnswerEvent } from './ws-frames';
import { type WsErrorAnswer, wsErrorAnswer } from './ws-parse';

/** One line of a register's tax table: WS `tax_number` is an index into it (seed 000). */
export interface TaxTableEntry {
  rate: MilliPercent;
  name?: string;
  /** The register's own code for the tax (iKKM `tax` parameter), when it needs one. */
  registerCode?: string;
}

export interface WsConvertContext {
  taxTable: readonly TaxTableEntry[];
}

export type ConvertResult<T> = { ok: true; value: T } | { ok: false; error: CanonicalError };

function wareToItem(
  ware: Extract<WsRequest, { event: 'new_transaction' }>['data']['wares'][number],
  index: number,
  context: WsConvertContext,
): ConvertResult<ReceiptItem> {
  const tax = context.taxTable[ware.tax_number];
  if (!tax) {
    return {
      ok: false,
      error: canonicalError(
        'TAX_ERROR',
        `wares.${index}.tax_number: в налоговой таблице кассы нет налога ${ware.tax_number}`,
      ),
    };
  }
  let price: number;
  let quantity: number;
  try {
    price = wsPriceToMinor(ware.price);
    quantity = wsQuantityToMilli(ware.quantity);
  } catch (error) {
    const reason = error instanceof DecimalFormatError ? error.message : String(error);
    return { ok: false, error: canonicalError('INVALID_ITEMS', `wares.${index}: ${reason}`) };
  }
  if (price < 0)
    return { ok: false, error: canonicalError('INVALID_ITEMS', `wares.${index}.price: отрицательная цена`) };
  if (quantity <= 0) {
    return {
      ok: false,
      error: canonicalError('INVALID_ITEMS', `wares.${index}.quantity: количество должно быть больше нуля`),
    };
  }
  const taxes: ReceiptTax[] = [
    {
      rate: tax.rate,
      calcType: 'included',
      ...(tax.name ? { name: tax.name } : {}),
      ...(tax.registerCode ? { registerCode: tax.registerCode } : {}),
    },
  ];
  return {
    ok: true,
    value: {
      name: ware.name,
      ...(ware.barcode ? { code: ware.barcode, barcode: ware.barcode } : {}),
      quantity,
      price,
      // Quantities may be fractional (0.5 kg): the line is rounded to the kopeck once, here.
      sum: mulDivRound(price, quantity, 1000),
      discount: 0,
      markup: 0,
      taxes,
    },
  };
}

/** Seed 000 request → the canonical command the agent executes. */
export function wsRequestToCommand(
  request: WsRequest,
  context: WsConvertContext,
): ConvertResult<CanonicalCommand> {
  switch (request.event) {
    case 'open_shift':
      return { ok: true, value: { type: 'shift.open', cashier: request.data.cashier } };
    case 'close_shift':
      return { ok: true, value: { type: 'shift.close', cashier: request.data.cashier } };
    case 'force_close_shift':
      return { ok: true, value: { type: 'shift.forceClose' } };
    case 'z_report':
      return { ok: true, value: { type: 'report.z' } };
    case 'cancel_payment':
      return {
        ok: true,
        value: { type: 'payment.cancel', rrn: request.data.rrn, amount: request.data.amount },
      };
    case 'cash_drawer_handler':
      return {
        ok: true,
        value: {
          type: request.data.doc_type === 4 ? 'cash.in' : 'cash.out',
          amount: request.data.amount,
          cashier: request.data.cashier,
        },
      };
    case 'new_transaction': {
      const items: ReceiptItem[] = [];
      for (const [index, ware] of request.data.wares.entries()) {
        const item = wareToItem(ware, index, context);
        if (!item.ok) return item;
        items.push(item.value);
      }
      const total = items.reduce((acc, item) => acc + item.sum, 0);
      const receipt: Receipt = {
        type: 'receipt',
        operation: request.data.doc_type === 2 ? 'sale' : 'saleReturn',
        cashier: request.data.cashier,
        items,
        discount: 0,
        markup: 0,
        taxes: [],
        // Seed 000 has one payment type for the whole amount and no tendered sum.
        payments: [{ kind: request.data.pyment_type === 0 ? 'cash' : 'card', amount: total }],
        total,
        footerLines: [],
        ...(request.data.rrn ? { rrn: request.data.rrn } : {}),
      };
      return { ok: true, value: receipt };
    }
  }
}

// ---- canonical result → seed 000 answer ----

export type WsAnswerFrame = { event: string; data: Record<string, unknown> };

const SUCCESS_TEXT = 'Успешно';

function registerFields(result: CommandResult, identity: RegisterIdentity | undefined) {
  const counters = result.counters ?? emptyShiftCounters();
  const id = result.identity ?? identity;
  return {
    cash_balance: minorToWsDecimal(counters.cashBalance),
    fn_number: id?.serialNumber ?? '',
    inn: id?.inn ?? '',
    shift_number: result.shiftNumber ?? result.shift?.number ?? 0,
    progressive_total_sales: minorToWsDecimal(counters.progressiveTotalSales),
    progressive_total_returns: minorToWsDecimal(counters.progressiveTotalReturns),
  };
}

function shiftTotalsFields(result: CommandResult, identity: RegisterIdentity | undefined) {
  const c: ShiftCounters = result.counters ?? emptyShiftCounters();
  return {
    ...registerFields(result, identity),
    discount_sum_sales: minorToWsDecimal(c.discountSumSales),
    marckup_sum_sales: minorToWsDecimal(c.markupSumSales),
    discount_sum_returns: minorToWsDecimal(c.discountSumReturns),
    marckup_sum_returns: minorToWsDecimal(c.markupSumReturns),
    doc_number: result.documentNumber ?? 0,
    count_sales: c.countSales,
    sum_sales: minorToWsDecimal(c.sumSales),
    count_insert: c.countInsert,
    count_remove: c.countRemove,
    count_returns: c.countReturns,
    sum_canceled: minorToWsDecimal(c.sumCanceled),
    sum_insert: minorToWsDecimal(c.sumInsert),
    sum_remove: minorToWsDecimal(c.sumRemove),
    sum_returns: minorToWsDecimal(c.sumReturns),
  };
}

/**
 * The seed 000 answer for a command's outcome. `request` supplies what the answer echoes
 * (cashier, rrn); `identity` fills `fn_number`/`inn` when the result does not carry them.
 */
export function commandOutcomeToWsAnswer(
  request: WsRequest,
  outcome: CommandOutcome,
  identity?: RegisterIdentity,
): WsAnswerFrame | WsErrorAnswer {
  const event: WsEvent = request.event;
  if (!outcome.ok) return wsErrorAnswer(event, outcome.error);
  const result = outcome.result;
  const ok = { error: false, error_code: 0, text: SUCCESS_TEXT };
  const cashier =
    result.cashier ??
    ('data' in request && request.data && 'cashier' in request.data ? request.data.cashier : '');
  switch (request.event) {
    case 'open_shift':
      return { event: wsAnswerEvent(event), data: { ...ok, cashier, ...registerFields(result, identity) } };
    case 'close_shift':
    case 'force_close_shift':
      return {
        event: wsAnswerEvent(event),
        data: { ...ok, cashier, ...shiftTotalsFields(result, identity) },
      };
    case 'z_report':
      return { event: wsAnswerEvent(event), data: { ...ok, ...shiftTotalsFields(result, identity) } };
    case 'cancel_payment':
    case 'cash_drawer_handler':
      return { event: wsAnswerEvent(event), data: ok };
    case 'new_transaction': {
      const id = result.identity ?? identity;
      const rrn = result.rrn ?? request.data.rrn;
      return {
        event: wsAnswerEvent(event),
        data: {
          ...ok,
          amount: result.total ?? 0,
          cashier,
          ...(rrn ? { rrn } : {}),
          fn_number: id?.serialNumber ?? '',
          inn: id?.inn ?? '',
          shift_number: result.shiftNumber ?? 0,
          check_number: result.checkNumber ?? 0,
          discount_sum: 0,
          doc_number: result.documentNumber ?? result.checkNumber ?? 0,
          ...(result.fiscalId ? { fiscal_id: result.fiscalId } : {}),
          ...(result.qrPayload ? { qr_code: result.qrPayload } : {}),
        },
      };
    }
  }
}
