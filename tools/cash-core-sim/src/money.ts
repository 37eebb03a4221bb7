/**
 * Money, quantity and tax-percent encodings of seed 003, converted exactly.
 *
 * Requests carry decimal numbers (`"sum": 187.5`, `"quantity": 2`, `"percent": 12`); answers carry
 * money as `{ bills, coins }`, quantity and tax percent in thousandths (`2000`, `12000`), and some
 * figures (`cash_sum`, `revenue`, `non_nullable_sums`, transaction-list sums) as decimal numbers.
 * Internally every amount is an integer number of tiyn: a JSON number is converted through its
 * shortest decimal representation, never by multiplying floats.
 */

/** Integer minor units (tiyn). */
export type Tiyn = number;

/** Seed 003 `Money`. */
export interface Money {
  bills: number;
  coins: number;
}

/**
 * Scales a JSON number to an integer with `decimals` fractional digits, or `null` when it is not a
 * finite number or carries more fractional digits than allowed (e.g. `1.005` as money).
 */
export function scaleExact(value: number, decimals: number): number | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  // String(x) is the shortest representation that round-trips, so 0.29 stays "0.29".
  const text = String(value);
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(text);
  if (!match) return null;
  const [, sign, whole = '', fraction = '', exponentText] = match;
  const exponent = exponentText ? Number(exponentText) : 0;
  // Shift the decimal point by the exponent on the digit string itself.
  let digits = whole + fraction;
  let pointAt = whole.length + exponent;
  if (pointAt < 0) {
    digits = '0'.repeat(-pointAt) + digits;
    pointAt = 0;
  }
  if (pointAt > digits.length) digits += '0'.repeat(pointAt - digits.length);
  const intPart = digits.slice(0, pointAt) || '0';
  const fracPart = digits.slice(pointAt).replace(/0+$/, '');
  if (fracPart.length > decimals) return null;
  const scaled = Number(intPart + fracPart.padEnd(decimals, '0'));
  if (!Number.isSafeInteger(scaled)) return null;
  return sign === '-' ? -scaled : scaled;
}

/** A request money number (tenge) → tiyn, or `null` if not representable in whole tiyn. */
export const tengeToTiyn = (value: number): Tiyn | null => scaleExact(value, 2);

/** A request quantity → thousandths, or `null` beyond three decimals. */
export const quantityToMilli = (value: number): number | null => scaleExact(value, 3);

/** A request tax percent (`12`, `12.5`) → thousandths of a percent (`12000`, `12500`). */
export const percentToMilli = (value: number): number | null => scaleExact(value, 3);

/** tiyn → `{ bills, coins }`. Amounts on the wire are non-negative; a negative one carries its sign in both parts. */
export function toMoney(tiyn: Tiyn): Money {
  const bills = Math.trunc(tiyn / 100);
  const coins = tiyn % 100;
  return { bills: bills === 0 ? 0 : bills, coins: coins === 0 ? 0 : coins };
}

export function fromMoney(money: Money): Tiyn {
  return money.bills * 100 + money.coins;
}

/** tiyn → decimal tenge number for the fields the seed types as float (`cash_sum`, `revenue`). */
export function toTengeNumber(tiyn: Tiyn): number {
  // Division of an integer by 100 yields the nearest double, whose shortest form is the exact decimal.
  return tiyn / 100;
}

/** `1750,00` — the amount format of the OFD check URL (`s=` parameter). */
export function formatQrAmount(tiyn: Tiyn): string {
  const sign = tiyn < 0 ? '-' : '';
  const abs = Math.abs(tiyn);
  return `${sign}${Math.trunc(abs / 100)},${String(abs % 100).padStart(2, '0')}`;
}

/** `1 750.00` — the receipt print format. */
export function formatPrintAmount(tiyn: Tiyn): string {
  const sign = tiyn < 0 ? '-' : '';
  const abs = Math.abs(tiyn);
  const bills = String(Math.trunc(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  return `${sign}${bills}.${String(abs % 100).padStart(2, '0')}`;
}

/** `2`, `0.5`, `1.25` — a thousandths quantity printed as a decimal. */
export function formatMilli(milli: number): string {
  const whole = Math.trunc(milli / 1000);
  const fraction = String(Math.abs(milli % 1000))
    .padStart(3, '0')
    .replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : String(whole);
}

/**
 * price × quantity rounded half-up to the tiyn: the line sum a commodity must carry.
 * Both factors are integers (tiyn, thousandths), so the product stays exact below 2^53.
 */
export function lineSum(priceTiyn: Tiyn, quantityMilli: number): Tiyn {
  return Math.floor((priceTiyn * quantityMilli + 500) / 1000);
}
