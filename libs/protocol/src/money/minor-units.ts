import { decimalToScaled, scaledToDecimalNumber, scaledToDecimalString } from './decimal';

/**
 * Internal units, the same for every register and currency:
 * - money: integer minor units (kopecks, tiyn) — 1 rouble/tenge = 100;
 * - quantity: integer thousandths (millis) — 1 piece = 1000, 0.5 kg = 500;
 * - tax rate: integer thousandths of a percent — 12 % = 12000 (the cash core's own answer unit).
 */
export type Minor = number;
export type Milli = number;
export type MilliPercent = number;

export const MINOR_PER_MAJOR = 100;
export const MILLI_PER_UNIT = 1000;
export const MILLI_PERCENT_PER_PERCENT = 1000;

export const majorToMinor = (value: number | string): Minor => decimalToScaled(value, 2);
export const minorToMajorNumber = (value: Minor): number => scaledToDecimalNumber(value, 2);
export const minorToMajorString = (value: Minor): string => scaledToDecimalString(value, 2);

export const quantityToMilli = (value: number | string): Milli => decimalToScaled(value, 3);
export const milliToQuantityNumber = (value: Milli): number => scaledToDecimalNumber(value, 3);

export const percentToMilliPercent = (value: number | string): MilliPercent => decimalToScaled(value, 3);
export const milliPercentToPercentNumber = (value: MilliPercent): number => scaledToDecimalNumber(value, 3);

export function isMinor(value: unknown): value is Minor {
  return typeof value === 'number' && Number.isSafeInteger(value);
}
