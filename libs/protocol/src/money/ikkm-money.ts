import { decimalToScaled, scaledToDecimalString } from './decimal';
import { MINOR_PER_MAJOR, type Milli, type Minor } from './minor-units';

/**
 * Seed 002 (iKKM web-api): amounts are tenge written as plain numbers (`sale=2920`, `cash=3000`;
 * reports show `1108.00`). We send the shortest exact form: whole tenge without a point, tiyn
 * with one or two decimals.
 */
export function minorToIkkmAmount(value: Minor): string {
  const text = scaledToDecimalString(value, 2);
  return text.replace(/\.00$/, '').replace(/(\.\d)0$/, '$1');
}

export const ikkmAmountToMinor = (value: number | string): Minor => decimalToScaled(value, 2);

/** The amount has no tiyn: it can be written with digits only. */
export const isWholeTenge = (value: Minor): boolean =>
  Number.isSafeInteger(value) && value % MINOR_PER_MAJOR === 0;

/**
 * Seed 002, code -9 "ошибка значений параметров — передавать только цифры (кроме параметра
 * print)": whole tenge as digits only (`292000` → `"2920"`); `undefined` when the amount has tiyn
 * (it cannot be written with digits only) or is negative.
 */
export function minorToIkkmDigits(value: Minor): string | undefined {
  if (!isWholeTenge(value) || value < 0) return undefined;
  return minorToIkkmAmount(value);
}

/** An itemdata `qty` (seed: "может быть Double"): thousandths → shortest exact decimal text. */
export function milliToIkkmQuantity(value: Milli): string {
  const text = scaledToDecimalString(value, 3);
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}
