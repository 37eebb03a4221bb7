import { decimalToScaled } from './decimal';
import { type Milli, type Minor, minorToMajorNumber } from './minor-units';

/**
 * Seed 000 (WebSocket): `price` is a decimal in roubles/tenge, `quantity` a decimal count,
 * `amount` in answers and in cash_drawer_handler/cancel_payment is integer kopecks, and the
 * shift counters in answers (`cash_balance`, `sum_sales`, …) are decimals in roubles/tenge.
 */
export const wsPriceToMinor = (price: number | string): Minor => decimalToScaled(price, 2);
export const wsQuantityToMilli = (quantity: number | string): Milli => decimalToScaled(quantity, 3);
export const minorToWsDecimal = (value: Minor): number => minorToMajorNumber(value);
