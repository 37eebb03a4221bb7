import type { ReceiptItem } from '@kassa-relay/protocol';

export interface TaxLine {
  /** Thousandths of a percent, as in the receipt: 12 % = 12000. */
  rate: number;
  name?: string;
  base: number;
  amount: number;
}

/**
 * Taxes of a receipt by rate. A line's tax is the amount the client sent, or else what the
 * register computes for a tax included in the price: net × rate / (100 % + rate), rounded.
 */
export function taxesByRate(items: readonly ReceiptItem[]): TaxLine[] {
  const lines = new Map<number, TaxLine>();
  for (const item of items) {
    const net = item.sum - (item.discount ?? 0) + (item.markup ?? 0);
    for (const tax of item.taxes ?? []) {
      const amount = tax.amount ?? Math.round((net * tax.rate) / (100_000 + tax.rate));
      const line = lines.get(tax.rate) ?? {
        rate: tax.rate,
        ...(tax.name ? { name: tax.name } : {}),
        base: 0,
        amount: 0,
      };
      line.base += net;
      line.amount += amount;
      lines.set(tax.rate, line);
    }
  }
  return [...lines.values()].sort((a, b) => b.rate - a.rate);
}
