import { decimalToScaled, scaledToDecimalString } from './decimal';
import type { Minor } from './minor-units';

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
