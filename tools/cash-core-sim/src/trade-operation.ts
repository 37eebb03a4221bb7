import { type MethodDefinition, assertCanRegister, callerOf, json, registerOf } from './method-context';
import {
  type Money,
  type Tiyn,
  formatQrAmount,
  lineSum,
  percentToMilli,
  quantityToMilli,
  tengeToTiyn,
  toMoney,
} from './money';
import { Fields, isJsonObject, readImageOptions } from './request-fields';
import { formatQrTime, toDateTimeObject } from './register-time';
import {
  CommandType,
  type CommodityFacts,
  JOURNAL_KIND_BY_OPERATION,
  type KkmRecord,
  OPERATION_NAMES,
  OperationType,
  PAYMENT_TYPES,
  PaymentType,
  type SimState,
  TAXATION_TYPES,
  type TaxFacts,
  type TicketFacts,
  allocateDocument,
  appendJournal,
  documentAnswerHeader,
  ofdOf,
  openShiftIfClosed,
} from './register-state';
import { CashCoreError, type ResponseCodeName } from './response-codes';

/**
 * TradeOperation: validation of a receipt in the order of seed 003's rules, the totals, and the
 * registration of the ticket. Every amount is converted to tiyn first and never leaves integers.
 */

interface ParsedTax {
  taxationType: number;
  percentMilli: number;
  sumTiyn: Tiyn;
  isInTotalSum: boolean;
}

interface ParsedModifier {
  name: string;
  sumTiyn: Tiyn;
  taxes: ParsedTax[];
  auxiliary: { key: string; value: string }[];
}

interface ParsedCommodity {
  code: number;
  name: string;
  sectionCode: string;
  quantityMilli: number;
  priceTiyn: Tiyn;
  sumTiyn: Tiyn;
  taxes: ParsedTax[];
  exciseStamp: string;
  physicalLabel: string;
  productId: string;
  barcode: string;
  measureUnitCode: string;
  auxiliary: { key: string; value: string }[];
  discount?: ParsedModifier;
  markup?: ParsedModifier;
}

export interface TicketRequest {
  operation: OperationType;
  domain: unknown;
  commodities: ParsedCommodity[];
  receiptTaxes: ParsedTax[];
  receiptDiscount?: ParsedModifier;
  receiptMarkup?: ParsedModifier;
  payments: { type: number; tiyn: Tiyn }[];
  requestedTotal?: Tiyn;
  requestedTaken?: Tiyn;
  requestedChange?: Tiyn;
  customerIinOrBin: string;
  customerEmail: string;
  customerPhone: string;
  auxiliary: { key: string; value: string }[];
}

export interface TicketTotals {
  /** Σ commodity sums after their own discounts and markups. */
  subtotalTiyn: Tiyn;
  totalTiyn: Tiyn;
  cashTiyn: Tiyn;
  nonCashTiyn: Tiyn;
  takenTiyn: Tiyn;
  changeTiyn: Tiyn;
  /** Payments as registered: cash reduced by the change, empty lines dropped. */
  registeredPayments: { type: number; tiyn: Tiyn }[];
}

/** A request amount: a number with at most two decimals; negative → `negativeCode`. */
function readMoney(
  fields: Fields,
  field: string,
  negativeCode: ResponseCodeName,
  missingCode: ResponseCodeName = 'invalid_fields',
): Tiyn {
  const raw = fields.raw(field);
  if (raw === undefined) throw fields.error(field, 'is required', missingCode);
  if (typeof raw !== 'number' || !Number.isFinite(raw))
    throw fields.error(field, 'must be a number', missingCode);
  if (raw < 0) throw fields.error(field, 'must not be negative', negativeCode);
  const tiyn = tengeToTiyn(raw);
  if (tiyn === null) throw fields.error(field, 'must have at most two decimals', missingCode);
  return tiyn;
}

function readOptionalMoney(fields: Fields, field: string, negativeCode: ResponseCodeName): Tiyn | undefined {
  return fields.has(field) ? readMoney(fields, field, negativeCode) : undefined;
}

function readAuxiliary(fields: Fields, field = 'auxiliary'): { key: string; value: string }[] {
  const list = fields.array(field) ?? [];
  return list.map((entry, index) => {
    const pair: Fields = Fields.of(entry, fields.name(`${field}[${index}]`));
    const key = pair.string('key');
    if (key === undefined) throw pair.error('key', 'is required');
    return { key, value: pair.string('value') ?? '' };
  });
}

/** A list of `Tax`: taxation type 100..103 (60), percent unique within the list (89). */
function readTaxes(fields: Fields, field = 'taxes'): ParsedTax[] {
  const list = fields.array(field) ?? [];
  const seen = new Set<number>();
  return list.map((entry, index) => {
    const tax: Fields = Fields.of(entry, fields.name(`${field}[${index}]`));
    const taxationType = tax.raw('taxation_type');
    if (typeof taxationType !== 'number' || !TAXATION_TYPES.includes(taxationType)) {
      throw tax.error('taxation_type', 'must be 100, 101, 102 or 103', 'taxation_type_is_incorrect');
    }
    const percent = tax.requiredNumber('percent');
    const percentMilli = percentToMilli(percent);
    if (percentMilli === null || percentMilli < 0 || percentMilli > 100_000)
      throw tax.error('percent', 'must be 0..100 with at most three decimals');
    if (seen.has(percentMilli))
      throw tax.error('percent', `${percent} % is listed twice`, 'tax_percentage_is_already_present');
    seen.add(percentMilli);
    const sumTiyn = readMoney(tax, 'sum', 'money_value_is_negative');
    return { taxationType, percentMilli, sumTiyn, isInTotalSum: tax.bool('is_in_total_sum') ?? true };
  });
}

function readModifier(fields: Fields, negativeCode: ResponseCodeName): ParsedModifier {
  return {
    name: fields.string('name') ?? '',
    sumTiyn: readMoney(fields, 'sum', negativeCode),
    taxes: readTaxes(fields),
    auxiliary: readAuxiliary(fields),
  };
}

function requiredText(fields: Fields, field: string, emptyCode: ResponseCodeName): string {
  const value = fields.raw(field);
  if (value === undefined) throw fields.error(field, 'must not be empty', emptyCode);
  if (typeof value !== 'string') throw fields.error(field, 'must be a string');
  if (value.trim() === '') throw fields.error(field, 'must not be empty', emptyCode);
  return value;
}

function readCommodity(fields: Fields): ParsedCommodity {
  const name = fields.string('name');
  if (name === undefined || name.trim() === '') throw fields.error('name', 'is required');
  const sectionCode = requiredText(fields, 'section_code', 'section_code_is_empty');
  const measureUnitCode = requiredText(fields, 'measure_unit_code', 'measure_unit_code_is_empty');

  const quantity = fields.raw('quantity');
  const quantityMilli = typeof quantity === 'number' ? quantityToMilli(quantity) : null;
  if (quantityMilli === null || quantityMilli <= 0) {
    throw fields.error(
      'quantity',
      'must be a positive number with at most three decimals',
      'item_quantity_is_incorrect',
    );
  }
  const priceTiyn = readMoney(fields, 'price', 'item_price_is_incorrect', 'item_price_is_incorrect');
  const sumTiyn = readMoney(fields, 'sum', 'item_sum_is_incorrect', 'item_sum_is_incorrect');
  const taxes = readTaxes(fields);
  // "Итоговая сумма … с учетом количества и исчисляемых налогов": price × quantity plus the taxes
  // not already inside the price. One tiyn of slack absorbs the client's rounding mode.
  const expected =
    lineSum(priceTiyn, quantityMilli) +
    taxes.filter((t) => !t.isInTotalSum).reduce((s, t) => s + t.sumTiyn, 0);
  if (Math.abs(sumTiyn - expected) > 1) {
    throw fields.error(
      'sum',
      `must be price × quantity (${expected / 100}), got ${sumTiyn / 100}`,
      'item_sum_is_incorrect',
    );
  }
  return {
    code: fields.int('code') ?? 0,
    name,
    sectionCode,
    quantityMilli,
    priceTiyn,
    sumTiyn,
    taxes,
    exciseStamp: fields.string('excise_stamp') ?? '',
    physicalLabel: fields.string('physical_label') ?? '',
    productId: fields.string('product_id') ?? '',
    barcode: fields.string('barcode') ?? '',
    measureUnitCode,
    auxiliary: readAuxiliary(fields),
  };
}

function attachModifier(
  commodity: ParsedCommodity,
  kind: 'discount' | 'markup',
  modifier: ParsedModifier,
  fields: Fields,
): void {
  if (commodity[kind]) throw fields.error(kind, `the item already has a ${kind}`);
  commodity[kind] = modifier;
  if ((commodity.discount?.sumTiyn ?? 0) > 0 && (commodity.markup?.sumTiyn ?? 0) > 0) {
    throw fields.error(
      kind,
      'an item cannot have both a discount and a markup',
      'discount_and_markup_are_mutually_exclusive',
    );
  }
  if (kind === 'discount' && modifier.sumTiyn > 0 && modifier.sumTiyn >= commodity.sumTiyn) {
    throw fields.error(
      'discount.sum',
      'must be less than the item sum',
      'discount_sum_must_be_less_than_total',
    );
  }
}

/**
 * Items: since core 1.3.42 every item is ITEM_TYPE_COMMODITY (1) with its `discount`/`markup`
 * alongside; the older form — an item of type 5 (discount) or 3 (markup) after the commodity it
 * modifies — is accepted as well.
 */
function readItems(fields: Fields): ParsedCommodity[] {
  const items = fields.raw('items');
  if (!Array.isArray(items)) throw fields.error('items', 'is required', 'items_list_undefined');
  if (items.length === 0) throw fields.error('items', 'is empty', 'items_list_is_empty');
  const commodities: ParsedCommodity[] = [];
  items.forEach((entry, index) => {
    const item: Fields = Fields.of(entry, `items[${index}]`);
    const type = item.raw('type');
    const last = commodities[commodities.length - 1];
    if (type === 1) {
      const commodityFields = item.object('commodity');
      if (!commodityFields) throw item.error('commodity', 'is required', 'item_commodity_undefined');
      const commodity = readCommodity(commodityFields);
      commodities.push(commodity);
      const discount = item.object('discount');
      if (discount)
        attachModifier(commodity, 'discount', readModifier(discount, 'discount_sum_is_negative'), item);
      const markup = item.object('markup');
      if (markup) attachModifier(commodity, 'markup', readModifier(markup, 'markup_sum_is_negative'), item);
    } else if (type === 5) {
      const discount = item.object('discount');
      if (!discount) throw item.error('discount', 'is required', 'item_discount_undefined');
      if (!last)
        throw item.error(
          'commodity',
          'a discount must follow the commodity it applies to',
          'item_commodity_undefined',
        );
      attachModifier(last, 'discount', readModifier(discount, 'discount_sum_is_negative'), item);
    } else if (type === 3) {
      const markup = item.object('markup');
      if (!markup) throw item.error('markup', 'is required', 'item_markup_undefined');
      if (!last)
        throw item.error(
          'commodity',
          'a markup must follow the commodity it applies to',
          'item_commodity_undefined',
        );
      attachModifier(last, 'markup', readModifier(markup, 'markup_sum_is_negative'), item);
    } else {
      throw item.error('type', `${JSON.stringify(type)} is not 1, 3 or 5`, 'unknown_item_type');
    }
  });
  return commodities;
}

function readPayments(fields: Fields): { type: number; tiyn: Tiyn }[] {
  const list = fields.array('payments') ?? [];
  const seen = new Set<number>();
  return list.map((entry, index) => {
    const payment: Fields = Fields.of(entry, `payments[${index}]`);
    const type = payment.requiredInt('type');
    if (!PAYMENT_TYPES.includes(type))
      throw payment.error('type', 'must be 0 (cash), 1 (card) or 4 (mobile)');
    if (seen.has(type)) throw payment.error('type', 'at most one payment of each type');
    seen.add(type);
    return { type, tiyn: readMoney(payment, 'sum', 'money_value_is_negative') };
  });
}

/** Parses and validates a TradeOperation request body (everything that does not need the register's state). */
export function readTicketRequest(fields: Fields, sellerInn: string): TicketRequest {
  readImageOptions(fields);
  fields.bool('is_printable');
  const operation = fields.requiredInt('operation');
  if (!Object.values(OperationType).includes(operation as OperationType))
    throw fields.error('operation', 'must be 0..3');
  let domain: unknown = { type: 0 };
  const domainFields = fields.object('domain');
  if (domainFields) {
    const type = domainFields.int('type') ?? 0;
    if (type < 0 || type > 5) throw domainFields.error('type', 'must be 0..5');
    domain = { ...domainFields.value, type };
  }

  const commodities = readItems(fields);
  const receiptTaxes = readTaxes(fields);

  const amountsRaw = fields.raw('amounts');
  if (amountsRaw !== undefined && !isJsonObject(amountsRaw))
    throw fields.error('amounts', 'must be an object', 'amounts_undefined');
  const amounts = amountsRaw === undefined ? undefined : new Fields(amountsRaw, 'amounts');
  const discountFields = amounts?.object('discount');
  const markupFields = amounts?.object('markup');
  const receiptDiscount = discountFields && readModifier(discountFields, 'discount_sum_is_negative');
  const receiptMarkup = markupFields && readModifier(markupFields, 'markup_sum_is_negative');
  // The seed's own example sends a zero markup next to a discount: only two non-zero ones clash.
  if ((receiptDiscount?.sumTiyn ?? 0) > 0 && (receiptMarkup?.sumTiyn ?? 0) > 0) {
    throw new CashCoreError(
      'discount_and_markup_are_mutually_exclusive',
      'amounts has both a discount and a markup',
    );
  }

  const itemLevelTaxes = commodities.some(
    (c) => c.taxes.length > 0 || (c.discount?.taxes.length ?? 0) > 0 || (c.markup?.taxes.length ?? 0) > 0,
  );
  const receiptLevelTaxes =
    receiptTaxes.length > 0 ||
    (receiptDiscount?.taxes.length ?? 0) > 0 ||
    (receiptMarkup?.taxes.length ?? 0) > 0;
  if (itemLevelTaxes && receiptLevelTaxes)
    throw new CashCoreError('items_taxes_and_ticket_taxes_are_mutually_exclusive');

  const totalRaw = amounts?.number('total');
  if (totalRaw !== undefined && (totalRaw < 0 || tengeToTiyn(totalRaw) === null)) {
    throw new CashCoreError('amounts_total_is_incorrect', 'amounts.total must be a non-negative amount');
  }
  const requestedTotal = totalRaw === undefined ? undefined : (tengeToTiyn(totalRaw) ?? undefined);
  const payments = readPayments(fields);

  const customerIinOrBin = fields.string('customer_iin_or_bin') ?? '';
  if (customerIinOrBin !== '' && !/^\d{12}$/.test(customerIinOrBin))
    throw fields.error('customer_iin_or_bin', 'must be 12 digits');
  if (customerIinOrBin !== '' && customerIinOrBin === sellerInn)
    throw new CashCoreError('same_taxpayer_and_customer');

  return {
    operation: operation as OperationType,
    domain,
    commodities,
    receiptTaxes,
    receiptDiscount,
    receiptMarkup,
    payments,
    requestedTotal,
    requestedTaken: amounts && readOptionalMoney(amounts, 'taken', 'money_value_is_negative'),
    requestedChange: amounts && readOptionalMoney(amounts, 'change', 'money_value_is_negative'),
    customerIinOrBin,
    customerEmail: fields.string('customer_email') ?? '',
    customerPhone: fields.string('customer_phone') ?? '',
    auxiliary: readAuxiliary(fields),
  };
}

const itemNet = (c: ParsedCommodity): Tiyn =>
  c.sumTiyn - (c.discount?.sumTiyn ?? 0) + (c.markup?.sumTiyn ?? 0);

/**
 * The totals. The seed's example: 2 × 1000 − 50 (item discount) − 200 (receipt discount) = 1750;
 * paid cash 1000 + card 1000 → change 250, taken 1000, and the registered cash line is 750.
 * Change only ever comes out of cash, so non-cash payments may not exceed the total.
 */
export function computeTotals(request: TicketRequest): TicketTotals {
  const subtotalTiyn = request.commodities.reduce((sum, c) => sum + itemNet(c), 0);
  const discount = request.receiptDiscount?.sumTiyn ?? 0;
  const markup = request.receiptMarkup?.sumTiyn ?? 0;
  if (discount > 0 && discount >= subtotalTiyn) {
    throw new CashCoreError(
      'discount_sum_must_be_less_than_total',
      'amounts.discount.sum must be less than the items total',
    );
  }
  const totalTiyn = subtotalTiyn - discount + markup;
  if (totalTiyn <= 0)
    throw new CashCoreError('sum_to_pay_is_incorrect', 'the receipt total must be positive');
  // `total` is optional ("вычисляется автоматически"); 0 means "compute it", as taken/change in the seed's example.
  if (
    request.requestedTotal !== undefined &&
    request.requestedTotal !== 0 &&
    request.requestedTotal !== totalTiyn
  ) {
    throw new CashCoreError(
      'amounts_total_is_incorrect',
      `amounts.total ${request.requestedTotal / 100} != ${totalTiyn / 100}`,
    );
  }

  const cashTiyn = request.payments
    .filter((p) => p.type === PaymentType.CASH)
    .reduce((s, p) => s + p.tiyn, 0);
  const nonCashTiyn = request.payments
    .filter((p) => p.type !== PaymentType.CASH)
    .reduce((s, p) => s + p.tiyn, 0);
  if (nonCashTiyn > totalTiyn) throw new CashCoreError('card_sum_is_greater_than_total');
  if (cashTiyn + nonCashTiyn < totalTiyn) {
    throw new CashCoreError(
      'paid_sum_is_less_than_total',
      `paid ${(cashTiyn + nonCashTiyn) / 100} < total ${totalTiyn / 100}`,
    );
  }
  const changeTiyn = cashTiyn + nonCashTiyn - totalTiyn;
  if (
    request.requestedTaken !== undefined &&
    request.requestedTaken !== 0 &&
    request.requestedTaken !== cashTiyn
  ) {
    throw new CashCoreError(
      'paid_sum_is_incorrect',
      `amounts.taken must equal the cash payment ${cashTiyn / 100}`,
    );
  }
  if (
    request.requestedChange !== undefined &&
    request.requestedChange !== 0 &&
    request.requestedChange !== changeTiyn
  ) {
    throw new CashCoreError('paid_sum_is_incorrect', `amounts.change must be ${changeTiyn / 100}`);
  }
  const registeredPayments = request.payments
    .map((p) => ({ type: p.type, tiyn: p.type === PaymentType.CASH ? p.tiyn - changeTiyn : p.tiyn }))
    .filter((p) => p.tiyn > 0);
  return {
    subtotalTiyn,
    totalTiyn,
    cashTiyn,
    nonCashTiyn,
    takenTiyn: cashTiyn,
    changeTiyn,
    registeredPayments,
  };
}

/** Purchases and sale returns pay cash out of the drawer; sales and purchase returns take it in. */
export const cashDirection = (operation: OperationType): 1 | -1 =>
  operation === OperationType.SELL || operation === OperationType.BUY_RETURN ? 1 : -1;

const taxOut = (t: ParsedTax) => ({
  percent: t.percentMilli,
  sum: toMoney(t.sumTiyn),
  is_in_total_sum: t.isInTotalSum,
});
const auxOut = (list: { key: string; value: string }[]) => list.map(({ key, value }) => ({ key, value }));
const modifierOut = (m: ParsedModifier | undefined) => ({
  name: m?.name ?? '',
  sum: toMoney(m?.sumTiyn ?? 0),
  taxesList: (m?.taxes ?? []).map(taxOut),
  auxiliaryList: auxOut(m?.auxiliary ?? []),
});

function itemsOut(commodities: ParsedCommodity[]): unknown[] {
  return commodities.flatMap((c) => {
    const out: unknown[] = [
      {
        type: 1,
        commodity: {
          code: c.code,
          name: c.name,
          section_code: c.sectionCode,
          quantity: c.quantityMilli,
          price: toMoney(c.priceTiyn),
          sum: toMoney(c.sumTiyn),
          excise_stamp: c.exciseStamp,
          physical_label: c.physicalLabel,
          product_id: c.productId,
          barcode: c.barcode,
          measure_unit_code: c.measureUnitCode,
          taxesList: c.taxes.map(taxOut),
          auxiliaryList: auxOut(c.auxiliary),
        },
      },
    ];
    if (c.discount) out.push({ type: 5, discount: modifierOut(c.discount) });
    if (c.markup) out.push({ type: 3, markup: modifierOut(c.markup) });
    return out;
  });
}

/** Per-percent tax turnover for the shift reports: receipt taxes apply to the total, item taxes to the item. */
function taxFacts(request: TicketRequest, totals: TicketTotals): TaxFacts[] {
  if (request.receiptTaxes.length > 0) {
    return request.receiptTaxes.map((t) => ({
      percentMilli: t.percentMilli,
      turnoverTiyn: totals.totalTiyn,
      taxTiyn: t.sumTiyn,
    }));
  }
  return request.commodities.flatMap((c) =>
    c.taxes.map((t) => ({ percentMilli: t.percentMilli, turnoverTiyn: itemNet(c), taxTiyn: t.sumTiyn })),
  );
}

function nextFiscalSign(state: SimState, transactionId: number): string {
  const sign = state.nextFiscalSign;
  // OFD fiscal signs are unique but not consecutive.
  state.nextFiscalSign += 1 + ((transactionId * 7919) % 997);
  return String(sign);
}

/** Registers a validated ticket: opens the shift if needed, moves counters and cash, stores and journals it. */
export function registerTicket(
  state: SimState,
  kkm: KkmRecord,
  operator: { id: number; name: string },
  request: TicketRequest,
  totals: TicketTotals,
  now: number,
  utcOffsetMinutes: number,
) {
  const cashLine = totals.takenTiyn - totals.changeTiyn;
  const direction = cashDirection(request.operation);
  if (direction < 0 && cashLine > kkm.cashTiyn) {
    throw new CashCoreError(
      'not_enough_cash',
      `drawer holds ${kkm.cashTiyn / 100}, ${cashLine / 100} needed`,
    );
  }
  openShiftIfClosed(kkm, now);
  const numbers = allocateDocument(state, kkm, now);
  kkm.offlineTicketNumber += 1;
  // An autonomous ticket has no OFD fiscal sign yet: its offline number stands in (seed example: "1008").
  const fiscalId = numbers.isOffline
    ? String(kkm.offlineTicketNumber)
    : nextFiscalSign(state, numbers.transactionId);
  const ofd = ofdOf(kkm);
  const qrCode =
    `${ofd.url}/?&i=${fiscalId}&f=${kkm.regInfo.kkm.fns_kkm_id}` +
    `&s=${formatQrAmount(totals.totalTiyn)}&t=${formatQrTime(now, utcOffsetMinutes)}`;

  kkm.cashTiyn += direction * cashLine;
  const nonNullable = kkm.nonNullableTiyn;
  nonNullable[request.operation] = (nonNullable[request.operation] ?? 0) + totals.totalTiyn;
  const revenueSign =
    request.operation === OperationType.SELL || request.operation === OperationType.BUY_RETURN ? 1 : -1;
  kkm.revenueTiyn += revenueSign * totals.totalTiyn;

  const operatorOut = { code: operator.id, name: operator.name };
  const money = (tiyn: Tiyn): Money => toMoney(tiyn);
  const body = {
    operation: request.operation,
    date_time: toDateTimeObject(now, utcOffsetMinutes),
    operator: operatorOut,
    domain: request.domain,
    amounts: {
      total: money(totals.totalTiyn),
      taken: money(totals.takenTiyn),
      change: money(totals.changeTiyn),
      markup: modifierOut(request.receiptMarkup),
      discount: modifierOut(request.receiptDiscount),
    },
    extension_options: {
      customer_email: request.customerEmail,
      customer_phone: request.customerPhone,
      customer_iin_or_bin: request.customerIinOrBin,
      auxiliaryList: auxOut(request.auxiliary),
    },
    offline_ticket_number: kkm.offlineTicketNumber,
    printed_document_number_old: String(kkm.offlineTicketNumber),
    printed_ticket: qrCode,
    fr_shift_number: numbers.shiftNumber,
    shift_document_number: numbers.shiftDocumentNumber,
    printed_document_number: 0,
    itemsList: itemsOut(request.commodities),
    paymentsList: totals.registeredPayments.map((p) => ({ type: p.type, sum: money(p.tiyn) })),
    taxesList: request.receiptTaxes.map(taxOut),
    ad_infosList: [],
  };
  const commodities: CommodityFacts[] = request.commodities.map((c) => ({
    name: c.name,
    sectionCode: c.sectionCode,
    quantityMilli: c.quantityMilli,
    priceTiyn: c.priceTiyn,
    sumTiyn: c.sumTiyn,
    discountTiyn: c.discount?.sumTiyn ?? 0,
    markupTiyn: c.markup?.sumTiyn ?? 0,
  }));
  const ticket: TicketFacts = {
    operation: request.operation,
    totalTiyn: totals.totalTiyn,
    takenTiyn: totals.takenTiyn,
    changeTiyn: totals.changeTiyn,
    payments: totals.registeredPayments,
    receiptDiscountTiyn: request.receiptDiscount?.sumTiyn ?? 0,
    receiptMarkupTiyn: request.receiptMarkup?.sumTiyn ?? 0,
    commodities,
    taxes: taxFacts(request, totals),
    fiscalId,
    qrCode,
    customerIinOrBin: request.customerIinOrBin,
  };
  state.transactions.push({
    id: numbers.transactionId,
    kkmOfdId: kkm.ofdId,
    atMs: now,
    command: CommandType.TICKET,
    shiftNumber: numbers.shiftNumber,
    shiftDocumentNumber: numbers.shiftDocumentNumber,
    isOffline: numbers.isOffline,
    operator: operatorOut,
    ticket,
    body,
  });
  appendJournal(state, {
    kind: JOURNAL_KIND_BY_OPERATION[request.operation],
    operation: OPERATION_NAMES[request.operation],
    kkmOfdId: kkm.ofdId,
    transactionId: numbers.transactionId,
    shiftNumber: numbers.shiftNumber,
    shiftDocumentNumber: numbers.shiftDocumentNumber,
    fiscalNumber: fiscalId,
    total: totals.totalTiyn,
    payments: totals.registeredPayments.map((p) => ({ type: p.type, sum: p.tiyn })),
    change: totals.changeTiyn,
    offline: numbers.isOffline,
    operatorId: operator.id,
    at: now,
  });
  return {
    fiscal_id: fiscalId,
    qr_code: qrCode,
    ofd_name: ofd.name,
    ofd_url: ofd.url,
    ...documentAnswerHeader(kkm, CommandType.TICKET, operator.name, numbers),
    body,
    ads_info: [],
  };
}

export const tradeOperation: MethodDefinition = {
  name: 'TradeOperation',
  httpMethods: 'POST',
  auth: true,
  mutates: true,
  handle(ctx) {
    const operator = callerOf(ctx);
    const kkm = registerOf(ctx);
    assertCanRegister(kkm, ctx.now);
    const request = readTicketRequest(ctx.fields, kkm.regInfo.org.inn);
    const totals = computeTotals(request);
    return json(registerTicket(ctx.state, kkm, operator, request, totals, ctx.now, ctx.utcOffsetMinutes));
  },
};
