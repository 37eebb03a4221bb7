import {
  cashCoreRequestPercentToMilliPercent,
  cashCoreRequestQuantityToMilli,
  cashCoreRequestToMinor,
} from '@kassa-relay/protocol';
import { int, isObject, type Json, list, minorOf, obj, PAYMENT, str } from './cash-core-wire';

/**
 * Exact matching of a document the core holds (GetTransaction's full body) against the request the
 * driver sent (the checkpoint's `request`). Only fields seed 003 defines are compared: a TicketObject
 * (operation, amounts, itemsList, paymentsList, taxesList, extension_options) or a
 * MoneyPlacementObject (operation, sum) — never the short bodies of GetTransactionList, whose `sum`
 * and `payments` the seed leaves open. Each function answers what differs; empty = the same.
 */

type Side = 'request' | 'answer';

interface ItemFacts {
  name: string;
  sectionCode: string | undefined;
  measureUnitCode: string | undefined;
  barcode: string | undefined;
  exciseStamp: string | undefined;
  quantity: number | undefined;
  price: number | undefined;
  sum: number | undefined;
  discount: number;
  markup: number;
  taxes: TaxFacts[];
}

interface TaxFacts {
  percent: number | undefined;
  sum: number | undefined;
}

const tenge = (minor: number | undefined): string => (minor === undefined ? '—' : (minor / 100).toFixed(2));

function requestMinor(value: unknown): number | undefined {
  if (typeof value !== 'number' && typeof value !== 'string') return undefined;
  try {
    return cashCoreRequestToMinor(value);
  } catch {
    return undefined;
  }
}

/** Money on either side: a request's decimal tenge number, or an answer's `{bills, coins}`. */
const money = (value: unknown, side: Side): number | undefined =>
  side === 'request' ? requestMinor(value) : minorOf(value);

function quantityOf(value: unknown, side: Side): number | undefined {
  if (side === 'answer') return int(value);
  if (typeof value !== 'number' && typeof value !== 'string') return undefined;
  try {
    return cashCoreRequestQuantityToMilli(value);
  } catch {
    return undefined;
  }
}

function percentOf(value: unknown, side: Side): number | undefined {
  if (side === 'answer') return int(value);
  if (typeof value !== 'number' && typeof value !== 'string') return undefined;
  try {
    return cashCoreRequestPercentToMilliPercent(value);
  } catch {
    return undefined;
  }
}

function taxesOf(value: unknown, side: Side): TaxFacts[] {
  return list(value)
    .map(obj)
    .map((t) => ({ percent: percentOf(t['percent'], side), sum: money(t['sum'], side) }))
    .sort((a, b) => (a.percent ?? -1) - (b.percent ?? -1));
}

const textOf = (value: unknown): string | undefined => {
  const text = str(value);
  return text !== undefined && text !== '' ? text : undefined;
};

/**
 * Items with their modifiers: a commodity (type 1) carries its discount/markup either in the same
 * element (the request form since core 1.3.42) or in a type 5 / type 3 element right after it (how
 * the seed's answers list them).
 */
function itemsOf(value: unknown, side: Side): ItemFacts[] {
  const items: ItemFacts[] = [];
  const taxesKey = side === 'request' ? 'taxes' : 'taxesList';
  for (const raw of list(value)) {
    const element = obj(raw);
    const type = int(element['type']);
    const modifierSum = (key: 'discount' | 'markup') =>
      isObject(element[key]) ? (money(obj(element[key])['sum'], side) ?? 0) : 0;
    if (type === 1 || (type === undefined && isObject(element['commodity']))) {
      const c = obj(element['commodity']);
      items.push({
        name: str(c['name']) ?? '',
        sectionCode: str(c['section_code']),
        measureUnitCode: str(c['measure_unit_code']),
        barcode: textOf(c['barcode']),
        exciseStamp: textOf(c['excise_stamp']),
        quantity: quantityOf(c['quantity'], side),
        price: money(c['price'], side),
        sum: money(c['sum'], side),
        discount: modifierSum('discount'),
        markup: modifierSum('markup'),
        taxes: taxesOf(c[taxesKey], side),
      });
      continue;
    }
    const last = items[items.length - 1];
    if (type === 5 && last) last.discount += modifierSum('discount');
    else if (type === 3 && last) last.markup += modifierSum('markup');
  }
  return items;
}

function compareTaxes(what: string, sent: TaxFacts[], found: TaxFacts[], out: string[]): void {
  const show = (taxes: TaxFacts[]) =>
    taxes.map((t) => `${t.percent === undefined ? '?' : t.percent / 1000}%:${tenge(t.sum)}`).join(' ') ||
    'none';
  const same =
    sent.length === found.length &&
    sent.every((t, i) => t.percent === found[i]?.percent && t.sum === found[i]?.sum);
  if (!same) out.push(`${what} taxes ${show(found)} ≠ ${show(sent)}`);
}

/** What differs between a TicketObject and the TradeOperation request that was sent. */
export function ticketMismatches(request: unknown, body: Json): string[] {
  const sent = obj(request);
  const out: string[] = [];
  const sentOperation = int(sent['operation']);
  const foundOperation = int(body['operation']);
  if (sentOperation !== foundOperation)
    out.push(`operation ${foundOperation ?? '—'} ≠ ${sentOperation ?? '—'}`);

  const sentAmounts = obj(sent['amounts']);
  const foundAmounts = obj(body['amounts']);
  const sentTotal = requestMinor(sentAmounts['total']);
  const foundTotal = minorOf(foundAmounts['total']);
  if (sentTotal === undefined || sentTotal !== foundTotal)
    out.push(`total ${tenge(foundTotal)} ≠ ${tenge(sentTotal)}`);
  for (const key of ['discount', 'markup'] as const) {
    const sentSum = isObject(sentAmounts[key]) ? (requestMinor(obj(sentAmounts[key])['sum']) ?? 0) : 0;
    const foundSum = isObject(foundAmounts[key]) ? (minorOf(obj(foundAmounts[key])['sum']) ?? 0) : 0;
    if (sentSum !== foundSum) out.push(`receipt ${key} ${tenge(foundSum)} ≠ ${tenge(sentSum)}`);
  }
  // taken/change: 0 or absent in a request means "the core computes it".
  const sentTaken = requestMinor(sentAmounts['taken']) ?? 0;
  const sentChange = requestMinor(sentAmounts['change']);
  const foundChange = minorOf(foundAmounts['change']);
  if (sentTaken > 0) {
    const foundTaken = minorOf(foundAmounts['taken']);
    if (foundTaken !== sentTaken) out.push(`taken ${tenge(foundTaken)} ≠ ${tenge(sentTaken)}`);
    if (sentChange !== undefined && foundChange !== sentChange)
      out.push(`change ${tenge(foundChange)} ≠ ${tenge(sentChange)}`);
  }

  const sentItems = itemsOf(sent['items'], 'request');
  const foundItems = itemsOf(body['itemsList'], 'answer');
  if (sentItems.length !== foundItems.length) {
    out.push(`${foundItems.length} items ≠ ${sentItems.length}`);
  } else {
    sentItems.forEach((s, i) => {
      const f = foundItems[i] as ItemFacts;
      const at = `item ${i + 1}`;
      if (s.name !== f.name) out.push(`${at} name «${f.name}» ≠ «${s.name}»`);
      if (s.quantity === undefined || s.quantity !== f.quantity)
        out.push(`${at} quantity ${f.quantity ?? '—'} ≠ ${s.quantity ?? '—'} (thousandths)`);
      if (s.price === undefined || s.price !== f.price)
        out.push(`${at} price ${tenge(f.price)} ≠ ${tenge(s.price)}`);
      if (s.sum === undefined || s.sum !== f.sum) out.push(`${at} sum ${tenge(f.sum)} ≠ ${tenge(s.sum)}`);
      if (s.discount !== f.discount) out.push(`${at} discount ${tenge(f.discount)} ≠ ${tenge(s.discount)}`);
      if (s.markup !== f.markup) out.push(`${at} markup ${tenge(f.markup)} ≠ ${tenge(s.markup)}`);
      if (s.sectionCode !== undefined && s.sectionCode !== f.sectionCode)
        out.push(`${at} section ${f.sectionCode ?? '—'} ≠ ${s.sectionCode}`);
      if (s.measureUnitCode !== undefined && s.measureUnitCode !== f.measureUnitCode)
        out.push(`${at} unit ${f.measureUnitCode ?? '—'} ≠ ${s.measureUnitCode}`);
      if (s.barcode !== undefined && s.barcode !== f.barcode)
        out.push(`${at} barcode ${f.barcode ?? '—'} ≠ ${s.barcode}`);
      if (s.exciseStamp !== undefined && s.exciseStamp !== f.exciseStamp)
        out.push(`${at} excise stamp differs`);
      compareTaxes(at, s.taxes, f.taxes, out);
    });
  }

  // Payments: the seed's answer lists cash net of change (1000 sent, 250 change → 750); either
  // the sent or the net figure is accepted, a line of 0 may be left out, no other type may appear.
  const change = sentChange ?? foundChange ?? 0;
  const foundPayments = list(body['paymentsList'])
    .map(obj)
    .map((p) => ({ type: int(p['type']), sum: minorOf(p['sum']) }));
  const sentPayments = list(sent['payments'])
    .map(obj)
    .map((p) => ({ type: int(p['type']), sum: requestMinor(p['sum']) }));
  for (const p of sentPayments) {
    const gross = p.sum ?? 0;
    const net = p.type === PAYMENT.CASH ? gross - change : gross;
    const line = foundPayments.filter((f) => f.type === p.type);
    if (line.length === 0) {
      if (net !== 0 && gross !== 0) out.push(`no payment of type ${p.type} (${tenge(gross)} sent)`);
    } else if (line.length > 1 || (line[0]?.sum !== gross && line[0]?.sum !== net)) {
      out.push(`payment type ${p.type} ${line.map((l) => tenge(l.sum)).join('+')} ≠ ${tenge(gross)}`);
    }
  }
  for (const f of foundPayments) {
    if (!sentPayments.some((p) => p.type === f.type))
      out.push(`payment type ${f.type} ${tenge(f.sum)} not sent`);
  }

  compareTaxes('receipt', taxesOf(sent['taxes'], 'request'), taxesOf(body['taxesList'], 'answer'), out);
  const sentCustomer = textOf(sent['customer_iin_or_bin']) ?? '';
  const foundCustomer = textOf(obj(body['extension_options'])['customer_iin_or_bin']) ?? '';
  if (sentCustomer !== foundCustomer) out.push(`customer ${foundCustomer || '—'} ≠ ${sentCustomer || '—'}`);
  return out;
}

/** What differs between a MoneyPlacementObject and the MoneyPlacement request that was sent. */
export function placementMismatches(request: unknown, body: Json): string[] {
  const sent = obj(request);
  const out: string[] = [];
  const sentOperation = int(sent['operation']);
  const foundOperation = int(body['operation']);
  if (sentOperation === undefined || sentOperation !== foundOperation)
    out.push(`operation ${foundOperation ?? '—'} ≠ ${sentOperation ?? '—'}`);
  const sentSum = requestMinor(sent['sum']);
  const foundSum = minorOf(body['sum']);
  if (sentSum === undefined || sentSum !== foundSum) out.push(`sum ${tenge(foundSum)} ≠ ${tenge(sentSum)}`);
  return out;
}
