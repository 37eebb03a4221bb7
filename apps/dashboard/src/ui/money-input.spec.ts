import { describe, expect, it } from 'vitest';
import { parseMoney } from './money-input';

describe('parseMoney', () => {
  it('reads what people type, in minor units and without floating point', () => {
    expect(parseMoney('5 000')).toBe(500_000);
    expect(parseMoney('1\u00a0234,5')).toBe(123_450);
    expect(parseMoney('0.07')).toBe(7);
    expect(parseMoney('19.99')).toBe(1999);
    expect(parseMoney('1000000000.01')).toBe(100_000_000_001);
  });

  it('refuses anything that is not an amount with at most two decimals', () => {
    for (const text of ['', 'abc', '1.234', '-5', '1,2,3', '5e3']) expect(parseMoney(text)).toBeNull();
  });
});
