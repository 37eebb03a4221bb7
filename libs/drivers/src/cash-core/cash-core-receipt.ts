import {
  canonicalError,
  changeDue,
  itemNet,
  milliPercentToCashCoreRequest,
  milliToCashCoreRequestQuantity,
  minorToCashCoreRequest,
  mulDivRound,
  type CanonicalError,
  type PaymentKind,
  type Receipt,
  type ReceiptOperation,
  type ReceiptTax,
  REGISTER_PAYMENT_KINDS,
} from '@kassa-relay/protocol';
import { OPERATION, PAYMENT } from './cash-core-wire';

/** Canonical receipt → seed 003 TradeOperation request. */

export const OPERATION_CODE: Record<ReceiptOperation, number> = {
  sale: OPERATION.SELL,
  saleReturn: OPERATION.SELL_RETURN,
  buy: OPERATION.BUY,
  buyReturn: OPERATION.BUY_RETURN,
};

/** PaymentTypeEnum knows three kinds: PAYMENT_CASH 0, PAYMENT_CARD 1, PAYMENT_MOBILE 4. */
export const PAYMENT_CODE: Partial<Record<PaymentKind, number>> = {
  cash: PAYMENT.CASH,
  card: PAYMENT.CARD,
  mobile: PAYMENT.MOBILE,
};
/** The cash core's row of the one table of payment kinds per register kind. */
export const CASH_CORE_PAYMENT_KINDS = REGISTER_PAYMENT_KINDS['cash-core'];

/** TaxationTypeEnum 101 = RTS (ОСН), the one the seed's example uses. */
export const DEFAULT_TAXATION_TYPE = 101;
/** `section_code` and `measure_unit_code` are required non-empty (codes 82, 81). */
export const DEFAULT_SECTION_CODE = '1';
/** ИС ЭСФ unit code for "штука" (OKEI 796). */
export const DEFAULT_MEASURE_UNIT_CODE = '796';

export interface TicketOptions {
  kkmOfdId: number;
  taxationType: number;
  defaultSectionCode: string;
  defaultMeasureUnitCode: string;
  print: boolean;
}

export interface TicketPlan {
  request: Record<string, unknown>;
  /** Payment types as the core registers them (cash net of change, empty lines dropped): for matching. */
  registeredPaymentTypes: number[];
  operation: number;
}

/**
 * The tax amount the core needs in money. When the client did not compute it, it is the tax
 * included in `base` (every canonical amount already includes its taxes): base × rate / (100 % + rate),
 * rounded half away from zero to the tiyn.
 */
function taxLine(tax: ReceiptTax, base: number, taxationType: number) {
  const amount = tax.amount ?? mulDivRound(base, tax.rate, 100_000 + tax.rate);
  return {
    taxation_type: taxationType,
    percent: milliPercentToCashCoreRequest(tax.rate),
    sum: minorToCashCoreRequest(amount),
    // The canonical item sum and total already contain every tax, whatever its calcType: a tax
    // "not in the total" would make the core add it on top and disagree with the client's total.
    is_in_total_sum: true,
  };
}

const modifier = (name: string, amount: number) => ({
  name,
  sum: minorToCashCoreRequest(amount),
  taxes: [],
  auxiliary: [],
});

export function buildTicket(
  receipt: Receipt,
  options: TicketOptions,
): { ok: true; plan: TicketPlan } | { ok: false; error: CanonicalError } {
  const byType = new Map<number, number>();
  for (const payment of receipt.payments) {
    const type = PAYMENT_CODE[payment.kind];
    if (type === undefined) {
      return {
        ok: false,
        error: canonicalError(
          'PAYMENT_TYPE_UNSUPPORTED',
          `кассовое ядро не принимает оплату вида «${payment.kind}»: только наличные (cash), карта (card) и мобильный платёж (mobile)`,
        ),
      };
    }
    // "Не более одного платежа каждого типа": lines of one kind are added up.
    byType.set(type, (byType.get(type) ?? 0) + payment.amount);
  }
  const cash = byType.get(PAYMENT.CASH) ?? 0;
  const change = cash > 0 ? changeDue(receipt) : 0;

  const items = receipt.items.map((item) => {
    const line: Record<string, unknown> = {
      type: 1,
      commodity: {
        name: item.name,
        section_code: item.sectionCode ?? options.defaultSectionCode,
        quantity: milliToCashCoreRequestQuantity(item.quantity),
        price: minorToCashCoreRequest(item.price),
        sum: minorToCashCoreRequest(item.sum),
        taxes: item.taxes.map((tax) => taxLine(tax, itemNet(item), options.taxationType)),
        ...(item.barcode ? { barcode: item.barcode } : {}),
        // "значение кода DataMatrix из информационной системы маркировки".
        ...(item.markCode ? { excise_stamp: item.markCode } : {}),
        measure_unit_code: item.measureUnitCode ?? options.defaultMeasureUnitCode,
        auxiliary: [],
      },
    };
    // Since core 1.3.42 a modifier travels with its commodity (ITEM_TYPE_COMMODITY + discount/markup).
    if (item.discount > 0) line['discount'] = modifier(`Скидка: ${item.name}`, item.discount);
    if (item.markup > 0) line['markup'] = modifier(`Наценка: ${item.name}`, item.markup);
    return line;
  });

  const amounts: Record<string, unknown> = { total: minorToCashCoreRequest(receipt.total) };
  if (cash > 0) {
    // "Обязательно при наличной оплате".
    amounts['taken'] = minorToCashCoreRequest(cash);
    amounts['change'] = minorToCashCoreRequest(change);
  }
  // The seed: discount and markup fields exclude each other; both non-zero is left to the core to refuse (65).
  if (receipt.discount > 0) amounts['discount'] = modifier('Скидка на чек', receipt.discount);
  if (receipt.markup > 0) amounts['markup'] = modifier('Наценка на чек', receipt.markup);

  const payments = [...byType.entries()]
    .filter(([, amount]) => amount > 0)
    .map(([type, amount]) => ({ type, sum: minorToCashCoreRequest(amount) }));
  const registeredPaymentTypes = [...byType.entries()]
    .map(([type, amount]) => [type, type === PAYMENT.CASH ? amount - change : amount] as const)
    .filter(([, amount]) => amount > 0)
    .map(([type]) => type)
    .sort((a, b) => a - b);

  const operation = OPERATION_CODE[receipt.operation];
  const request: Record<string, unknown> = {
    kkm_ofd_id: options.kkmOfdId,
    is_printable: options.print,
    operation,
    items,
    payments,
    taxes: receipt.taxes.map((tax) => taxLine(tax, receipt.total, options.taxationType)),
    amounts,
    ...(receipt.customerIinBin ? { customer_iin_or_bin: receipt.customerIinBin } : {}),
  };
  return { ok: true, plan: { request, registeredPaymentTypes, operation } };
}
