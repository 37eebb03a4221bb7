import type { CanonicalCommand } from '../canonical/commands';
import type { Receipt, ReceiptItem, ReceiptTax } from '../canonical/receipt';
import type { CommandOutcome, CommandResult, RegisterIdentity, ShiftCounters } from '../canonical/results';
import { type CanonicalError, canonicalError } from '../errors/canonical-error';
import { shownValue } from '../input/lenient';
import { DecimalFormatError, mulDivRound, scaledToDecimalString } from '../money/decimal';
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
  /** "Без НДС" (without VAT): the item carries no tax line at all (not a 0 % tax). */
  exempt?: boolean;
}

/** `0 — НДС 12% (12 %), 1 — Без НДС`: the table as the refusal of a `tax_number` names it. */
export function describeTaxTable(taxTable: readonly TaxTableEntry[]): string {
  return taxTable
    .map((entry, index) => {
      const percent = `${scaledToDecimalString(entry.rate, 3).replace(/\.?0+$/, '')} %`;
      const label = entry.exempt
        ? (entry.name ?? 'без налога')
        : entry.name
          ? `${entry.name} (${percent})`
          : percent;
      return `${index} — ${label}`;
    })
    .join(', ');
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
  const at = `data.wares[${index}]`;
  const tax = context.taxTable[ware.tax_number];
  if (!tax) {
    return {
      ok: false,
      error: canonicalError(
        'TAX_ERROR',
        context.taxTable.length === 0
          ? `${at}.tax_number: налоговая таблица кассы пуста — заполните её в панели управления`
          : `${at}.tax_number: в налоговой таблице кассы нет налога ${ware.tax_number}; таблица кассы: ${describeTaxTable(context.taxTable)}`,
      ),
    };
  }
  // Exact decimal → integer, each field named when it cannot be read (no float ever touches it).
  const decimalField = <T>(
    field: 'price' | 'quantity',
    scale: number,
    convert: () => T,
  ): ConvertResult<T> => {
    try {
      return { ok: true, value: convert() };
    } catch (error) {
      if (!(error instanceof DecimalFormatError)) throw error;
      return {
        ok: false,
        error: canonicalError(
          'INVALID_ITEMS',
          `${at}.${field}: ожидается число не более чем с ${scale} знаками после точки, получено ${shownValue(ware[field])}`,
        ),
      };
    }
  };
  const priceRead = decimalField('price', 2, () => wsPriceToMinor(ware.price));
  if (!priceRead.ok) return priceRead;
  const quantityRead = decimalField('quantity', 3, () => wsQuantityToMilli(ware.quantity));
  if (!quantityRead.ok) return quantityRead;
  const price = priceRead.value;
  const quantity = quantityRead.value;
  if (price < 0)
    return {
      ok: false,
      error: canonicalError(
        'INVALID_ITEMS',
        `${at}.price: цена не может быть отрицательной, получено ${shownValue(ware.price)}`,
      ),
    };
  if (quantity <= 0) {
    return {
      ok: false,
      error: canonicalError(
        'INVALID_ITEMS',
        `${at}.quantity: количество должно быть больше нуля, получено ${shownValue(ware.quantity)}`,
      ),
    };
  }
  const taxes: ReceiptTax[] = tax.exempt
    ? []
    : [
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
      return {
        ok: true,
        value: { type: 'shift.open', ...(request.data.cashier ? { cashier: request.data.cashier } : {}) },
      };
    case 'close_shift':
      return {
        ok: true,
        value: { type: 'shift.close', ...(request.data.cashier ? { cashier: request.data.cashier } : {}) },
      };
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

/** A money field in WS decimals, or nothing when the register did not give it. */
const money = (field: string, value: number | undefined) =>
  value === undefined ? {} : { [field]: minorToWsDecimal(value) };
const known = <T>(field: string, value: T | undefined) => (value === undefined ? {} : { [field]: value });

/**
 * A field the register cannot give, or a follow-up read that failed, is left out of the answer
 * (never "" or 0 that would look real): docs/protocol-mapping.md, "Fields the register does not give".
 */
function registerFields(result: CommandResult, identity: RegisterIdentity | undefined) {
  const counters: Partial<ShiftCounters> = result.counters ?? {};
  const id = result.identity ?? identity;
  return {
    ...money('cash_balance', counters.cashBalance),
    ...known('fn_number', id?.serialNumber || undefined),
    ...known('inn', id?.inn || undefined),
    ...known('shift_number', result.shiftNumber ?? result.shift?.number),
    ...money('progressive_total_sales', counters.progressiveTotalSales),
    ...money('progressive_total_returns', counters.progressiveTotalReturns),
  };
}

function shiftTotalsFields(result: CommandResult, identity: RegisterIdentity | undefined) {
  const c: Partial<ShiftCounters> = result.counters ?? {};
  return {
    ...registerFields(result, identity),
    ...money('discount_sum_sales', c.discountSumSales),
    ...money('marckup_sum_sales', c.markupSumSales),
    ...money('discount_sum_returns', c.discountSumReturns),
    ...money('marckup_sum_returns', c.markupSumReturns),
    ...known('doc_number', result.documentNumber),
    ...known('count_sales', c.countSales),
    ...money('sum_sales', c.sumSales),
    ...known('count_insert', c.countInsert),
    ...known('count_remove', c.countRemove),
    ...known('count_returns', c.countReturns),
    ...money('sum_canceled', c.sumCanceled),
    ...money('sum_insert', c.sumInsert),
    ...money('sum_remove', c.sumRemove),
    ...money('sum_returns', c.sumReturns),
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
  const echoed =
    'data' in request && request.data && 'cashier' in request.data ? request.data.cashier : undefined;
  const cashier = known('cashier', result.cashier || echoed || undefined);
  switch (request.event) {
    case 'open_shift':
      return {
        event: wsAnswerEvent(event),
        data: { ...ok, ...cashier, ...registerFields(result, identity) },
      };
    case 'close_shift':
    case 'force_close_shift':
      return {
        event: wsAnswerEvent(event),
        data: { ...ok, ...cashier, ...shiftTotalsFields(result, identity) },
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
          ...known('amount', result.total),
          ...cashier,
          ...(rrn ? { rrn } : {}),
          ...known('fn_number', id?.serialNumber || undefined),
          ...known('inn', id?.inn || undefined),
          ...known('shift_number', result.shiftNumber ?? result.shift?.number),
          ...known('check_number', result.checkNumber),
          // Seed 000 wares carry no discount, so a WS receipt has none: 0 is its real discount.
          discount_sum: 0,
          ...known('doc_number', result.documentNumber ?? result.checkNumber),
          ...(result.fiscalId ? { fiscal_id: result.fiscalId } : {}),
          ...(result.qrPayload ? { qr_code: result.qrPayload } : {}),
        },
      };
    }
  }
}
