import { decimalToScaled, integerFromText } from './decimal';
import { type Milli, type Minor, minorToMajorNumber } from './minor-units';

/**
 * Seed 000 (WebSocket): `price` is a decimal in roubles/tenge, `quantity` a decimal count,
 * `amount` in answers and in cash_drawer_handler/cancel_payment is integer kopecks, and the
 * shift counters in answers (`cash_balance`, `sum_sales`, …) are decimals in roubles/tenge.
 */
export const wsPriceToMinor = (price: number | string): Minor => decimalToScaled(price, 2);
export const wsQuantityToMilli = (quantity: number | string): Milli => decimalToScaled(quantity, 3);
export const minorToWsDecimal = (value: Minor): number => minorToMajorNumber(value);
/**
 * Seed 000's integers (`amount` in kopecks, `tax_number`, `doc_type`, `pyment_type`) sent as
 * strings: read exactly, undefined when not a whole number.
 */
export const wsIntegerFromText = (text: string): number | undefined => integerFromText(text);
