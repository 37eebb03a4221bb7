import { describe, expect, it } from 'vitest';
import {
  formatQuantity,
  formatTengeFixed,
  formatTengeShort,
  mulDivRoundHalfUp,
  parseQuantity,
  parseTenge,
  parseWholeTenge,
} from './money';

describe('money', () => {
  it('parses tenge text to tiyn exactly', () => {
    expect(parseTenge('2920')).toBe(292_000);
    expect(parseTenge('2920.5')).toBe(292_050);
    expect(parseTenge('0.1')).toBe(10);
    expect(parseTenge('0.29')).toBe(29);
    expect(parseTenge('10.500')).toBe(1_050);
    expect(parseTenge('20000000.01')).toBe(2_000_000_001);
  });

  it('rejects anything that is not a plain decimal with at most two significant decimals', () => {
    for (const text of [
      '',
      '-1',
      '+1',
      '1,5',
      '1e3',
      ' 1',
      '1.',
      '.5',
      '1.005',
      'abc',
      '0x10',
      '1234567890123456',
    ]) {
      expect(parseTenge(text), text).toBeUndefined();
    }
  });

  it('whole tenge only for cash in/out', () => {
    expect(parseWholeTenge('100')).toBe(10_000);
    expect(parseWholeTenge('100.00')).toBeUndefined();
  });

  it('quantities in thousandths', () => {
    expect(parseQuantity('1.5')).toBe(1_500);
    expect(parseQuantity('0.001')).toBe(1);
    expect(parseQuantity('0.0005')).toBeUndefined();
    expect(formatQuantity(1_500)).toBe('1.5');
    expect(formatQuantity(2_000)).toBe('2');
  });

  it('formats tiyn', () => {
    expect(formatTengeFixed(110_800)).toBe('1108.00');
    expect(formatTengeFixed(5)).toBe('0.05');
    expect(formatTengeFixed(-1_050)).toBe('-10.50');
    expect(formatTengeShort(292_000)).toBe('2920');
    expect(formatTengeShort(292_050)).toBe('2920.5');
    expect(formatTengeShort(292_005)).toBe('2920.05');
    expect(formatTengeShort(0)).toBe('0');
  });

  it('rounds rates half up in integers', () => {
    // 2920 tenge with VAT 12 % inside: 2920 × 12 / 112 = 312.857… tenge.
    expect(mulDivRoundHalfUp(292_000, 1_200, 11_200)).toBe(31_286);
    expect(mulDivRoundHalfUp(5, 1, 2)).toBe(3);
    expect(mulDivRoundHalfUp(2_000_000_000, 500, 10_000)).toBe(100_000_000);
  });
});
