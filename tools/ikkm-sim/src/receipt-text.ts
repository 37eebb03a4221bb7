import { formatDeviceDate } from './clock';
import { formatQuantity, formatTengeFixed, formatTengeShort } from './money';
import { renderPrintText } from './printer';
import type { DeviceState, JournalEntry } from './state';

const TITLE: Record<JournalEntry['kind'], string> = {
  sale: 'Продажа',
  buy: 'Покупка',
  saleReturn: 'Возврат продажи',
  buyReturn: 'Возврат покупки',
  deposit: 'Внесение наличных',
  withdraw: 'Изъятие наличных',
  zreport: 'Z-отчёт',
  xreport: 'X-отчёт',
};

const PAYMENT_TITLE = {
  cash: 'Наличными',
  bank: 'Банковской картой',
  tara: 'Тара',
  credit: 'Кредит',
} as const;

/**
 * The paper of a fiscal document, laid out like the seed's "Пример фискального чека": title and
 * number, cashier and time, the `print` text first (the seed: "Если указан print, он будет
 * распечатан в первую очередь"), the positions, tax, totals, payments, change and the fiscal footer.
 */
export function receiptLines(state: DeviceState, entry: JournalEntry, utcOffsetMinutes: number): string[] {
  const cashier =
    state.cashiers.find((candidate) => candidate.id === entry.cashierId)?.name ?? String(entry.cashierId);
  const lines = [
    `${TITLE[entry.kind]} №${entry.checkNumber ?? ''}`,
    `${cashier} ${formatDeviceDate(entry.at, utcOffsetMinutes, false)}`,
    '-----+-----',
  ];
  if (entry.print !== undefined)
    lines.push(...renderPrintText(entry.print, state.settings.printingMode).lines);
  if (entry.kind === 'deposit' || entry.kind === 'withdraw') {
    lines.push(`Сумма ${formatTengeFixed(entry.total)} тг`);
  } else {
    entry.lines.forEach((line, index) =>
      lines.push(
        `${index + 1}. ${line.name} ${formatTengeShort(line.price)} x ${formatQuantity(line.qtyMilli)}=${formatTengeShort(line.sum)}`,
      ),
    );
    lines.push('-----+-----');
    const tax = state.taxes.find((candidate) => candidate.id === entry.taxId);
    if (tax && tax.rateBp > 0)
      lines.push(`${tax.included ? 'В т.ч. ' : ''}${tax.name} ${formatTengeFixed(entry.taxAmount)} тг`);
    lines.push(`Итого ${formatTengeFixed(entry.total)} тг`);
    for (const kind of ['cash', 'bank', 'tara', 'credit'] as const) {
      if (entry.payments[kind] > 0)
        lines.push(`${PAYMENT_TITLE[kind]} ${formatTengeFixed(entry.payments[kind])} тг`);
    }
    if (entry.change > 0) lines.push(`Сдача ${formatTengeFixed(entry.change)} тг`);
  }
  lines.push(
    `ЗНИ ${state.factorySerialNumber}`,
    'ОФД АО Казахтелеком',
    `Чек ${entry.ofd?.onlineCode || 'автономный режим'}`,
  );
  return lines;
}
