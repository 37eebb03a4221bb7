import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DecimalFormatError,
  decimalToScaled,
  decimalToScaledRounded,
  mulDivRound,
  scaledToDecimalNumber,
  scaledToDecimalString,
} from './decimal';
import { majorToMinor, minorToMajorNumber } from './minor-units';
import { minorToWsDecimal, wsPriceToMinor, wsQuantityToMilli } from './ws-money';
import {
  cashCoreMoneyToMinor,
  minorToCashCoreMoney,
  minorToCashCoreRequest,
  cashCoreRequestToMinor,
} from './cash-core-money';
import { ikkmAmountToMinor, minorToIkkmAmount } from './ikkm-money';
import { milliPercentToSaleTaxPrc, saleTaxPrcToMilliPercent } from './sale-money';

const money = fc.integer({ min: -2_000_000_000_00, max: 2_000_000_000_00 });

describe('decimal conversions', () => {
  it('parses the values float arithmetic gets wrong', () => {
    expect(wsPriceToMinor(123.45)).toBe(12345);
    expect(wsPriceToMinor(0.1 + 0.2 > 0.3 ? '0.30' : '0.3')).toBe(30);
    expect(majorToMinor('19.99')).toBe(1999);
    expect(majorToMinor(32440.5)).toBe(3244050);
    expect(majorToMinor('-0.5')).toBe(-50);
    expect(majorToMinor('.5')).toBe(50);
    expect(majorToMinor(1e-7 * 0)).toBe(0);
  });

  it('refuses silent rounding and garbage', () => {
    expect(() => majorToMinor('1.005')).toThrow(DecimalFormatError);
    expect(() => majorToMinor('12,50')).toThrow(DecimalFormatError);
    expect(() => majorToMinor('abc')).toThrow(DecimalFormatError);
    expect(() => majorToMinor(Number.NaN)).toThrow(DecimalFormatError);
    expect(() => majorToMinor(Infinity)).toThrow(DecimalFormatError);
    expect(() => majorToMinor('')).toThrow(DecimalFormatError);
  });

  it('rounds half away from zero only when asked', () => {
    expect(decimalToScaledRounded('1.005', 2)).toBe(101);
    expect(decimalToScaledRounded('1.004', 2)).toBe(100);
    expect(decimalToScaledRounded('-1.005', 2)).toBe(-101);
    expect(decimalToScaledRounded('2.5', 0)).toBe(3);
  });

  it('quantity has three decimals', () => {
    expect(wsQuantityToMilli(2)).toBe(2000);
    expect(wsQuantityToMilli(0.5)).toBe(500);
    expect(wsQuantityToMilli('1.234')).toBe(1234);
    expect(() => wsQuantityToMilli('1.2345')).toThrow(DecimalFormatError);
  });

  it('minor → decimal string → minor is the identity (any amount)', () => {
    fc.assert(
      fc.property(money, (minor) => {
        expect(decimalToScaled(scaledToDecimalString(minor, 2), 2)).toBe(minor);
      }),
    );
  });

  it('minor → JSON number → minor is the identity (the WS answers)', () => {
    fc.assert(
      fc.property(money, (minor) => {
        const asNumber = minorToWsDecimal(minor);
        expect(JSON.parse(JSON.stringify(asNumber))).toBe(asNumber);
        expect(majorToMinor(asNumber)).toBe(minor);
        expect(minorToMajorNumber(minor)).toBe(asNumber);
      }),
    );
  });

  it('cash core {bills, coins} round-trips and matches the seed example', () => {
    expect(cashCoreMoneyToMinor({ bills: 187, coins: 50 })).toBe(18750);
    expect(minorToCashCoreMoney(18750)).toEqual({ bills: 187, coins: 50 });
    expect(minorToCashCoreRequest(18750)).toBe(187.5);
    expect(cashCoreRequestToMinor(187.5)).toBe(18750);
    fc.assert(
      fc.property(money, (minor) => {
        expect(cashCoreMoneyToMinor(minorToCashCoreMoney(minor))).toBe(minor);
        expect(cashCoreRequestToMinor(minorToCashCoreRequest(minor))).toBe(minor);
      }),
    );
    expect(() => cashCoreMoneyToMinor({ bills: 1, coins: 100 })).toThrow(DecimalFormatError);
  });

  it('iKKM amounts are the shortest exact tenge form', () => {
    expect(minorToIkkmAmount(292000)).toBe('2920');
    expect(minorToIkkmAmount(292050)).toBe('2920.5');
    expect(minorToIkkmAmount(292055)).toBe('2920.55');
    expect(minorToIkkmAmount(5)).toBe('0.05');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2_000_000_000 }), (minor) => {
        expect(ikkmAmountToMinor(minorToIkkmAmount(minor))).toBe(minor);
      }),
    );
  });

  it('/sale taxPrc (percent × 100) ↔ milli-percent', () => {
    expect(saleTaxPrcToMilliPercent(1200)).toBe(12000);
    expect(saleTaxPrcToMilliPercent(2000)).toBe(20000);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), (taxPrc) => {
        expect(milliPercentToSaleTaxPrc(saleTaxPrcToMilliPercent(taxPrc))).toBe(taxPrc);
      }),
    );
  });

  it('mulDivRound is exact integer arithmetic', () => {
    expect(mulDivRound(12345, 2000, 1000)).toBe(24690);
    expect(mulDivRound(999, 500, 1000)).toBe(500); // 499.5 → 500
    expect(mulDivRound(-999, 500, 1000)).toBe(-500);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        (price, qty) => {
          const exact = (price * qty) / 1000;
          expect(Math.abs(mulDivRound(price, qty, 1000) - exact)).toBeLessThanOrEqual(0.5);
        },
      ),
    );
  });

  it('renders decimals without float noise', () => {
    expect(scaledToDecimalNumber(24690, 2)).toBe(246.9);
    expect(scaledToDecimalString(-5, 2)).toBe('-0.05');
    expect(scaledToDecimalString(0, 3)).toBe('0.000');
  });
});
