import { formatMilli, formatPrintAmount, type Tiyn } from './money';
import { formatPrintTime } from './register-time';
import {
  type KkmRecord,
  MoneyPlacementType,
  ReportType,
  type TransactionRecord,
  ofdOf,
} from './register-state';

/** The printed form of a document, as lines for a narrow receipt printer. */
export type PrintLine =
  | { kind: 'text'; text: string; center?: boolean }
  | { kind: 'pair'; left: string; right: string }
  | { kind: 'rule' };

const text = (value: string, center = false): PrintLine => ({ kind: 'text', text: value, center });
const pair = (left: string, right: string): PrintLine => ({ kind: 'pair', left, right });
const rule: PrintLine = { kind: 'rule' };

const OPERATION_TITLES = ['ПОКУПКА', 'ВОЗВРАТ ПОКУПКИ', 'ПРОДАЖА', 'ВОЗВРАТ ПРОДАЖИ'];
const PAYMENT_TITLES: Record<number, string> = {
  0: 'Наличные',
  1: 'Банковская карта',
  4: 'Мобильный платёж',
};

function header(
  kkm: KkmRecord,
  record: TransactionRecord,
  original: boolean,
  utcOffsetMinutes: number,
): PrintLine[] {
  const { org, kkm: reg } = kkm.regInfo;
  return [
    ...(original ? [] : [text('*** КОПИЯ ***', true)]),
    text(org.title, true),
    text(org.address, true),
    text(`ИИН/БИН: ${org.inn}`, true),
    text(kkm.regInfo.pos.title, true),
    text(kkm.regInfo.pos.address, true),
    pair('ЗНМ:', reg.serial_number),
    pair('Код ККМ КГД (РНМ):', reg.fns_kkm_id),
    pair(`Смена № ${record.shiftNumber}`, `Документ № ${record.shiftDocumentNumber}`),
    pair('Кассир:', record.operator.name),
    pair('Дата, время:', formatPrintTime(record.atMs, utcOffsetMinutes)),
    rule,
  ];
}

function footer(kkm: KkmRecord, record: TransactionRecord): PrintLine[] {
  const ofd = ofdOf(kkm);
  return [
    rule,
    ...(record.isOffline ? [text('АВТОНОМНЫЙ РЕЖИМ', true)] : []),
    pair('ОФД:', ofd.name),
    text('Для проверки чека зайдите на сайт:'),
    text(ofd.url),
  ];
}

function ticketLines(kkm: KkmRecord, record: TransactionRecord): PrintLine[] {
  const ticket = record.ticket;
  if (!ticket) return [];
  const amount = (tiyn: Tiyn) => formatPrintAmount(tiyn);
  const lines: PrintLine[] = [text(OPERATION_TITLES[ticket.operation] ?? 'ЧЕК', true)];
  ticket.commodities.forEach((c, index) => {
    lines.push(text(`${index + 1}. ${c.name}`));
    lines.push(pair(`  ${formatMilli(c.quantityMilli)} x ${amount(c.priceTiyn)}`, `= ${amount(c.sumTiyn)}`));
    if (c.discountTiyn > 0) lines.push(pair('  Скидка', `-${amount(c.discountTiyn)}`));
    if (c.markupTiyn > 0) lines.push(pair('  Наценка', `+${amount(c.markupTiyn)}`));
    lines.push(pair('  Отдел:', c.sectionCode));
  });
  lines.push(rule);
  if (ticket.receiptDiscountTiyn > 0) lines.push(pair('Скидка:', `-${amount(ticket.receiptDiscountTiyn)}`));
  if (ticket.receiptMarkupTiyn > 0) lines.push(pair('Наценка:', `+${amount(ticket.receiptMarkupTiyn)}`));
  lines.push(pair('ИТОГО:', amount(ticket.totalTiyn)));
  if (ticket.takenTiyn > 0) lines.push(pair(`${PAYMENT_TITLES[0]}:`, amount(ticket.takenTiyn)));
  for (const payment of ticket.payments.filter((p) => p.type !== 0)) {
    lines.push(pair(`${PAYMENT_TITLES[payment.type] ?? 'Оплата'}:`, amount(payment.tiyn)));
  }
  if (ticket.changeTiyn > 0) lines.push(pair('Сдача:', amount(ticket.changeTiyn)));
  const percents = [...new Set(ticket.taxes.map((t) => t.percentMilli))];
  for (const percent of percents) {
    const sum = ticket.taxes.filter((t) => t.percentMilli === percent).reduce((s, t) => s + t.taxTiyn, 0);
    lines.push(pair(`в т.ч. НДС ${formatMilli(percent)}%:`, amount(sum)));
  }
  if (ticket.customerIinOrBin) lines.push(pair('ИИН/БИН покупателя:', ticket.customerIinOrBin));
  lines.push(rule, pair('ФП:', ticket.fiscalId), text(ticket.qrCode));
  return lines;
}

function placementLines(record: TransactionRecord): PrintLine[] {
  const placement = record.placement;
  if (!placement) return [];
  return [
    text(placement.operation === MoneyPlacementType.DEPOSIT ? 'ВНЕСЕНИЕ НАЛИЧНЫХ' : 'ИЗЪЯТИЕ НАЛИЧНЫХ', true),
    pair('Сумма:', formatPrintAmount(placement.sumTiyn)),
  ];
}

function reportLines(record: TransactionRecord): PrintLine[] {
  const report = record.report;
  if (!report) return [];
  const sums = report.nonNullableTiyn;
  return [
    text(report.reportType === ReportType.Z ? 'Z-ОТЧЁТ (ЗАКРЫТИЕ СМЕНЫ)' : 'X-ОТЧЁТ', true),
    pair('Выручка:', formatPrintAmount(report.revenueTiyn)),
    text('Необнуляемые суммы:'),
    pair('  Продажи:', formatPrintAmount(sums[2] ?? 0)),
    pair('  Возвраты продаж:', formatPrintAmount(sums[3] ?? 0)),
    pair('  Покупки:', formatPrintAmount(sums[0] ?? 0)),
    pair('  Возвраты покупок:', formatPrintAmount(sums[1] ?? 0)),
  ];
}

export function documentLines(
  kkm: KkmRecord,
  record: TransactionRecord,
  original: boolean,
  utcOffsetMinutes: number,
): PrintLine[] {
  const body = record.ticket
    ? ticketLines(kkm, record)
    : record.placement
      ? placementLines(record)
      : reportLines(record);
  return [...header(kkm, record, original, utcOffsetMinutes), ...body, ...footer(kkm, record)];
}
