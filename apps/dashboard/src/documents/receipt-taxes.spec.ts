import { describe, expect, it } from 'vitest';
import type { ReceiptItem } from '@kassa-relay/protocol';
import { taxesByRate } from './receipt-taxes';

const item = (sum: number, rate: number | null, extra: Partial<ReceiptItem> = {}): ReceiptItem => ({
  name: 'x',
  quantity: 1000,
  price: sum,
  sum,
  discount: 0,
  markup: 0,
  taxes: rate === null ? [] : [{ rate, calcType: 'included' }],
  ...extra,
});

describe('taxesByRate', () => {
  it('computes a tax included in the price per line and adds the lines up by rate', () => {
    // 1 000,00 × 12/112 = 107,14; 234,50 × 12/112 = 25,125 → 25,13
    const lines = taxesByRate([item(100_000, 12_000), item(23_450, 12_000), item(5_000, null)]);
    expect(lines).toEqual([{ rate: 12_000, base: 123_450, amount: 13_227 }]);
  });

  it('uses the amount the client sent and the net after discount', () => {
    const lines = taxesByRate([
      item(10_000, null, { discount: 1_000, taxes: [{ rate: 12_000, calcType: 'included', amount: 900 }] }),
      item(10_000, 8_000, { discount: 1_000 }),
    ]);
    expect(lines).toEqual([
      { rate: 12_000, base: 9_000, amount: 900 },
      { rate: 8_000, base: 9_000, amount: 667 },
    ]);
  });
});
