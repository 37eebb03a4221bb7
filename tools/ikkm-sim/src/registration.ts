import { Code } from './answer-codes';
import { fail, ok, type Outcome } from './answers';
import { type ItemdataPosition, MAX_ITEMDATA_POSITIONS, parseItemdata } from './itemdata';
import {
  formatQuantity,
  formatTengeShort,
  MAX_PAYMENT_TIYN,
  MAX_REGISTRATION_TIYN,
  mulDivRoundHalfUp,
  parseAmount,
} from './money';
import type { WebApiRequest } from './request';
import {
  emptyPayments,
  type OfdPosition,
  PAYMENT_KINDS,
  type Payments,
  REGISTRATION_KINDS,
  type RegistrationKind,
  type SaleLine,
  type Tax,
} from './state';

/** An `/api` request with its values parsed (tiyn), before any device state is consulted. */
export interface RegistrationRequest {
  kind: RegistrationKind;
  amount: number;
  payments: Payments;
  taxId: number | undefined;
  itemdata: string | undefined;
  print: string | undefined;
}

/** What a registration will do, once every rule of the seed has passed. */
export interface RegistrationPlan {
  kind: RegistrationKind;
  amount: number;
  total: number;
  payments: Payments;
  change: number;
  /** Effect on the cash drawer (tiyn, may be negative). */
  cashDelta: number;
  tax: Tax;
  taxAmount: number;
  /** Cheque lines without their ids (the device numbers them when it commits). */
  lines: Omit<SaleLine, 'id'>[];
  ofdItems: OfdPosition[];
  itemsSummarized: boolean;
  itemdataCount: number;
  print: string | undefined;
}

/** Lower-case titles for the OFD summary line, as in the seed's «продажа.....1000тг». */
const SUMMARY_TITLE: Record<RegistrationKind, string> = {
  sale: 'продажа',
  buy: 'покупка',
  saleReturn: 'возврат продажи',
  buyReturn: 'возврат покупки',
};

/**
 * Reads the parameters of `/api`: exactly one registration type (-7 otherwise), digits only
 * (-9; with `acceptDecimals` tenge with up to two decimals), `print`/`itemdata` only in a POST
 * body (-7: the seed says "Метод передачи только POST").
 */
export function readRegistration(
  request: WebApiRequest,
  acceptDecimals = false,
): Outcome<RegistrationRequest> {
  const kinds = REGISTRATION_KINDS.filter((kind) => request.params.has(kind));
  const [kind] = kinds;
  if (kind === undefined || kinds.length > 1) return fail(Code.RequestError);

  const amount = parseAmount(request.params.get(kind) ?? '', acceptDecimals);
  if (amount === undefined || amount <= 0 || amount > MAX_REGISTRATION_TIYN) return fail(Code.ValueError);

  const payments = emptyPayments();
  for (const payment of PAYMENT_KINDS) {
    const text = request.params.get(payment);
    if (text === undefined) continue;
    const value = parseAmount(text, acceptDecimals);
    if (value === undefined || value > MAX_PAYMENT_TIYN) return fail(Code.ValueError);
    payments[payment] = value;
  }

  let taxId: number | undefined;
  const taxText = request.params.get('tax');
  if (taxText !== undefined) {
    if (!/^\d{1,9}$/.test(taxText)) return fail(Code.ValueError);
    taxId = Number(taxText);
  }

  for (const bodyOnly of ['print', 'itemdata']) {
    if (request.params.has(bodyOnly) && (request.method !== 'POST' || !request.bodyParams.has(bodyOnly)))
      return fail(Code.RequestError);
  }

  return ok({
    kind,
    amount,
    payments,
    taxId,
    itemdata: request.params.get('itemdata'),
    print: request.params.get('print'),
  });
}

/**
 * Applies the seed's rules in this order: tax (-14), itemdata (-17; -9 for a price, sum or
 * discount with decimals unless the device accepts them), then the payment rules:
 *  - Σ payments < amount → -10; Σ payments < total (tax added on top) → -12;
 *  - sale: any mix of cash, bank, tara, credit; bank+tara+credit > total, or non-cash given when
 *    cash alone already covers the total, → -13; change is given from cash only;
 *  - buy: one payment kind only ("несколько видов оплаты только при продаже") → -13 otherwise;
 *  - saleReturn, buyReturn: "cash должно быть равно сумме чека": any non-cash → -13, cash above
 *    the total → -7;
 *  - a sale return or a cash purchase needs the total in the drawer → -15.
 */
export function planRegistration(
  request: RegistrationRequest,
  device: { taxes: readonly Tax[]; defaultTaxId: number; cashWeHave: number; acceptDecimals?: boolean },
): Outcome<RegistrationPlan> {
  const tax = device.taxes.find((candidate) => candidate.id === (request.taxId ?? device.defaultTaxId));
  if (!tax) return fail(Code.TaxError);

  let positions: ItemdataPosition[] | undefined;
  if (request.itemdata !== undefined) {
    const parsed = parseItemdata(request.itemdata, device.acceptDecimals ?? true);
    if (parsed === 'json') return fail(Code.ItemdataError);
    if (parsed === 'value') return fail(Code.ValueError);
    positions = parsed;
  }

  const { kind, amount, payments } = request;
  // VAT inside the amount: amount × rate / (100 % + rate); a tax on top: amount × rate.
  const taxAmount = tax.included
    ? mulDivRoundHalfUp(amount, tax.rateBp, 10_000 + tax.rateBp)
    : mulDivRoundHalfUp(amount, tax.rateBp, 10_000);
  const total = tax.included ? amount : amount + taxAmount;

  const nonCash = payments.bank + payments.tara + payments.credit;
  const paid = payments.cash + nonCash;
  const kindsGiven = PAYMENT_KINDS.filter((payment) => payments[payment] > 0);

  if (paid < amount) return fail(Code.PaymentLessThanAmount);
  if (paid < total) return fail(Code.PaymentLessThanTotal);
  if (nonCash > total) return fail(Code.NonCashExceedsTotal);

  let change = 0;
  let cashDelta = 0;
  switch (kind) {
    case 'sale':
      if (nonCash > 0 && payments.cash >= total) return fail(Code.NonCashExceedsTotal);
      change = paid - total;
      cashDelta = payments.cash - change;
      break;
    case 'buy':
      if (kindsGiven.length > 1) return fail(Code.NonCashExceedsTotal);
      change = paid - total;
      if (kindsGiven[0] === 'cash') {
        if (device.cashWeHave < total) return fail(Code.NoCashInDrawer);
        cashDelta = -total;
      }
      break;
    case 'saleReturn':
    case 'buyReturn':
      if (nonCash > 0) return fail(Code.NonCashExceedsTotal);
      if (payments.cash !== total) return fail(Code.RequestError);
      if (kind === 'saleReturn') {
        if (device.cashWeHave < total) return fail(Code.NoCashInDrawer);
        cashDelta = -total;
      } else {
        cashDelta = total;
      }
      break;
  }

  const summarize =
    positions === undefined || positions.length === 0 || positions.length > MAX_ITEMDATA_POSITIONS;
  const summaryName = `${SUMMARY_TITLE[kind]}.....${formatTengeShort(total)}тг`;
  const lines: Omit<SaleLine, 'id'>[] = summarize
    ? [{ itemCode: '', name: summaryName, qtyMilli: 1000, price: total, sum: total, taxId: tax.id }]
    : (positions ?? []).map((position) =>
        position.type === 'item'
          ? {
              itemCode: '',
              name: position.name,
              qtyMilli: position.qtyMilli,
              price: position.price,
              sum: position.sum,
              taxId: tax.id,
            }
          : // A discount has no price or quantity; the sales report shows it as a negative line.
            {
              itemCode: '',
              name: position.name,
              qtyMilli: 1000,
              price: -position.discount,
              sum: -position.discount,
              taxId: tax.id,
            },
      );
  const ofdItems: OfdPosition[] = summarize
    ? [
        {
          name: summaryName,
          price: formatTengeShort(total),
          qty: formatQuantity(1000),
          sum: formatTengeShort(total),
        },
      ]
    : (positions ?? []).map((position) =>
        position.type === 'item'
          ? {
              name: position.name,
              price: position.texts.price,
              qty: position.texts.qty,
              sum: position.texts.sum,
            }
          : { name: position.name, discount: position.text },
      );

  return ok({
    kind,
    amount,
    total,
    payments: { ...payments },
    change,
    cashDelta,
    tax,
    taxAmount,
    lines,
    ofdItems,
    itemsSummarized: summarize && (positions?.length ?? 0) > MAX_ITEMDATA_POSITIONS,
    itemdataCount: positions?.length ?? 0,
    print: request.print,
  });
}
