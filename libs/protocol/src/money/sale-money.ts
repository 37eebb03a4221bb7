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
