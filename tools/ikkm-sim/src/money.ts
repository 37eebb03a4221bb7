/**
 * Exact money for the iKKM. The web-api speaks tenge as decimal text (`sale=2920`,
 * `cash=3000.50`); inside the simulator every amount is an integer of tiyn (1 tenge = 100 tiyn)
 * and quantities are integers of thousandths. Decimal text is parsed digit by digit, never
 * through a float, so `0.1 + 0.2` style errors cannot creep into a fiscal total.
 */

export const TIYN_PER_TENGE = 100;

/** Seed 002: "sale - продажа, значение суммы продажи (max 20 миллионов)". */
export const MAX_REGISTRATION_TIYN = 20_000_000 * TIYN_PER_TENGE;

/**
 * Payments are not capped by the seed (cash given may exceed the sale: change). A generous cap
 * keeps every sum far inside the safe-integer range.
 */
export const MAX_PAYMENT_TIYN = 1_000_000_000 * TIYN_PER_TENGE;

const DECIMAL_TEXT = /^(\d{1,15})(?:\.(\d+))?$/;

/**
 * Parses a non-negative decimal with at most `scale` significant decimals into an integer scaled
 * by 10^scale ("2920.5", scale 2 → 292050). Extra trailing zeros are exact and allowed
 * ("10.500"); anything else (sign, comma, exponent, spaces, a third significant decimal) is
 * rejected with `undefined` rather than rounded.
 */
export function parseScaledDecimal(text: string, scale: number): number | undefined {
  const match = DECIMAL_TEXT.exec(text);
  if (!match) return undefined;
  const whole = match[1] ?? '0';
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > scale) return undefined;
  const value = Number(whole) * 10 ** scale + Number(fraction.padEnd(scale, '0') || '0');
  return Number.isSafeInteger(value) ? value : undefined;
}

/** Tenge text ("2920", "2920.50") → tiyn; `undefined` when not a plain decimal with ≤ 2 decimals. */
export const parseTenge = (text: string): number | undefined => parseScaledDecimal(text, 2);

/**
 * An amount parameter as the device reads it. Seed code -9 "ошибка значений параметров —
 * передавать только цифры (кроме параметра print)": by default only digits, i.e. whole tenge
 * (`2920.50` and even `2920.00` → undefined → -9). A device set to accept decimals
 * (`acceptDecimals`) reads tenge with up to two decimals.
 */
export function parseAmount(text: string, acceptDecimals: boolean): number | undefined {
  if (acceptDecimals) return parseTenge(text);
  if (!/^\d{1,15}$/.test(text)) return undefined;
  const value = Number(text) * TIYN_PER_TENGE;
  return Number.isSafeInteger(value) ? value : undefined;
}

/** Seed 002 for /apideposit and /apiwithdraw: "cash положительное, целое число" (whole tenge). */
export function parseWholeTenge(text: string): number | undefined {
  if (!/^\d{1,12}$/.test(text)) return undefined;
  return Number(text) * TIYN_PER_TENGE;
}

/** Quantity text ("2", "0.5", "1.250") → thousandths. */
export const parseQuantity = (text: string): number | undefined => parseScaledDecimal(text, 3);

/** Renders an integer scaled by 10^scale with exactly `scale` decimals (292050, 2 → "2920.50"). */
export function formatScaled(value: number, scale: number): string {
  const negative = value < 0;
  const digits = String(Math.abs(value)).padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale);
  return `${negative ? '-' : ''}${whole}${scale > 0 ? `.${fraction}` : ''}`;
}

/** Tiyn → "2920.50" (the seed's report and getInfo style). */
export const formatTengeFixed = (tiyn: number): string => formatScaled(tiyn, 2);

/** Tiyn → shortest exact tenge text: "2920", "2920.5", "2920.05". */
export function formatTengeShort(tiyn: number): string {
  return trimDecimals(formatScaled(tiyn, 2));
}

/** Thousandths → shortest exact quantity text: "2", "0.5", "1.25". */
export function formatQuantity(milli: number): string {
  return trimDecimals(formatScaled(milli, 3));
}

function trimDecimals(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

/**
 * value × numerator / denominator rounded half up, in integers (BigInt, so a 20-million-tenge
 * receipt times a rate never leaves exact arithmetic). Only used with non-negative operands.
 */
export function mulDivRoundHalfUp(value: number, numerator: number, denominator: number): number {
  const product = BigInt(value) * BigInt(numerator);
  const d = BigInt(denominator);
  let quotient = product / d;
  if ((product % d) * 2n >= d) quotient += 1n;
  return Number(quotient);
}

/** unit price (tiyn) × quantity (thousandths) → tiyn, rounded half up. */
export const priceTimesQuantity = (priceTiyn: number, qtyMilli: number): number =>
  mulDivRoundHalfUp(priceTiyn, qtyMilli, 1000);
