import { DecimalFormatError, decimalToScaled, scaledToDecimalNumber } from './decimal';
import type { Milli, MilliPercent, Minor } from './minor-units';

/**
 * Seed 003 (cash core): requests carry money as decimal tenge numbers (`"sum": 187.5`) and tax
 * percent as a decimal (`"percent": 12`); answers carry money as `{ bills, coins }`, tax percent
 * in thousandths (`12000`) and quantity in thousandths (`2000` for 2).
 */
export interface CashCoreMoney {
  bills: number;
  coins: number;
}

export const minorToCashCoreRequest = (value: Minor): number => scaledToDecimalNumber(value, 2);
export const cashCoreRequestToMinor = (value: number | string): Minor => decimalToScaled(value, 2);

export function cashCoreMoneyToMinor(money: CashCoreMoney): Minor {
  const { bills, coins } = money;
  const sameSign = bills === 0 || coins === 0 || Math.sign(bills) === Math.sign(coins);
  if (!Number.isSafeInteger(bills) || !Number.isSafeInteger(coins) || Math.abs(coins) > 99 || !sameSign) {
    throw new DecimalFormatError(money, 'not a {bills, coins} amount');
  }
  return bills * 100 + coins;
}

/** Amounts are non-negative on the wire; a negative one carries its sign in both parts. */
export function minorToCashCoreMoney(value: Minor): CashCoreMoney {
  if (!Number.isSafeInteger(value)) throw new DecimalFormatError(value, 'not a safe integer');
  const bills = Math.trunc(value / 100);
  const coins = value % 100;
  return { bills: bills === 0 ? 0 : bills, coins: coins === 0 ? 0 : coins };
}

export const milliPercentToCashCoreRequest = (rate: MilliPercent): number => scaledToDecimalNumber(rate, 3);
export const cashCoreRequestPercentToMilliPercent = (percent: number | string): MilliPercent =>
  decimalToScaled(percent, 3);
/** Answers already give the percent in thousandths: 12000 is 12 %. */
export const cashCoreAnswerPercentToMilliPercent = (percent: number): MilliPercent => percent;

export const milliToCashCoreRequestQuantity = (quantity: Milli): number => scaledToDecimalNumber(quantity, 3);
/** A request quantity (`2`, `0.333`) back in thousandths, to compare it with an answer's. */
export const cashCoreRequestQuantityToMilli = (quantity: number | string): Milli =>
  decimalToScaled(quantity, 3);
export const cashCoreAnswerQuantityToMilli = (quantity: number): Milli => quantity;
