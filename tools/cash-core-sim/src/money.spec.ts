import { describe, expect, it } from 'vitest';
import {
  formatMilli,
  formatPrintAmount,
  formatQrAmount,
  lineSum,
  percentToMilli,
  quantityToMilli,
  scaleExact,
  tengeToTiyn,
  toMoney,
} from './money';

describe('money', () => {
  it('converts request numbers to tiyn through their decimal text, never by float multiplication', () => {
    expect(tengeToTiyn(187.5)).toBe(18750);
    expect(tengeToTiyn(0.29)).toBe(29); // 0.29 * 100 = 28.999999999999996
    expect(tengeToTiyn(1.005)).toBeNull();
    expect(tengeToTiyn(727985.98)).toBe(72798598);
    expect(tengeToTiyn(-3.5)).toBe(-350);
    expect(tengeToTiyn(1e-7)).toBeNull();
    expect(tengeToTiyn(1e21)).toBeNull();
    expect(tengeToTiyn(Number.NaN)).toBeNull();
    expect(scaleExact(1.5e3, 2)).toBe(150000);
  });

  it('quantities and tax percents are thousandths', () => {
    expect(quantityToMilli(2)).toBe(2000);
    expect(quantityToMilli(0.333)).toBe(333);
    expect(quantityToMilli(0.3333)).toBeNull();
    expect(percentToMilli(12)).toBe(12000);
    expect(percentToMilli(12.5)).toBe(12500);
  });

  it('formats {bills, coins} and print/QR amounts', () => {
    expect(toMoney(18750)).toEqual({ bills: 187, coins: 50 });
    expect(toMoney(0)).toEqual({ bills: 0, coins: 0 });
    expect(formatQrAmount(175000)).toBe('1750,00');
    expect(formatPrintAmount(72798598)).toBe('727 985.98');
    expect(formatMilli(2000)).toBe('2');
    expect(formatMilli(1250)).toBe('1.25');
  });

  it('line sums round half up to the tiyn', () => {
    expect(lineSum(100000, 2000)).toBe(200000);
    expect(lineSum(199, 333)).toBe(66); // 0.66267
    expect(lineSum(150, 500)).toBe(75);
    expect(lineSum(1, 500)).toBe(1); // 0.5 tiyn → 1
  });
});
