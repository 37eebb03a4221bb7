import { integerFromText } from './decimal';
import type { Milli, MilliPercent, Minor } from './minor-units';

/**
 * Seed 001 (`POST /sale`): amounts are already integer kopecks/tiyn, `itemQty` is quantity × 1000
 * (our milli unit as is) and `taxPrc` is percent × 100 (our milli-percent is percent × 1000).
 */
export const saleQtyToMilli = (itemQty: number): Milli => itemQty;
export const milliToSaleQty = (quantity: Milli): number => quantity;
export const saleTaxPrcToMilliPercent = (taxPrc: number): MilliPercent => taxPrc * 10;
export const milliPercentToSaleTaxPrc = (rate: MilliPercent): number => Math.round(rate / 10);
export const saleAmountToMinor = (amount: number): Minor => amount;
/**
 * Every seed 001 number is an integer (kopecks, quantity × 1000, percent × 100, codes); clients
 * also send them as strings (`"35000"`, `" 2000 "`): read exactly, undefined when not a whole number.
 */
export const saleIntegerFromText = (text: string): number | undefined => integerFromText(text);
