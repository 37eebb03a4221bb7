/**
 * Exact decimal ↔ integer conversions. Every wire format that carries money or quantities as
 * decimals (roubles/tenge with kopecks/tiyn, quantities with three decimals, tax percents) goes
 * through these, so no float arithmetic ever touches an amount.
 */

export class DecimalFormatError extends Error {
  constructor(
    readonly input: unknown,
    reason: string,
  ) {
    super(`${JSON.stringify(input)}: ${reason}`);
    this.name = 'DecimalFormatError';
  }
}

const DECIMAL = /^([+-])?(\d+)(?:\.(\d*))?$/;
const DECIMAL_NO_INT = /^([+-])?()\.(\d+)$/;

/** Text of a JS number without exponent notation (JSON numbers like 1e-7 or 1e21). */
function numberToPlainText(value: number): string {
  if (!Number.isFinite(value)) throw new DecimalFormatError(value, 'not a finite number');
  const text = String(value);
  if (!/e/i.test(text)) return text;
  // toFixed(20) is exact enough for the magnitudes money has; trailing zeros are harmless.
  if (Math.abs(value) >= 1e21) throw new DecimalFormatError(value, 'too large');
  return value.toFixed(20);
}

/**
 * Parses a decimal (number or string such as "123.45", "-0.5", "7") into an integer scaled by
 * 10^scale. Throws when the value has more significant decimals than `scale` (no silent rounding)
 * or is out of the safe integer range.
 */
export function decimalToScaled(input: number | string, scale: number): number {
  const text = typeof input === 'number' ? numberToPlainText(input) : input.trim();
  const match = DECIMAL.exec(text) ?? DECIMAL_NO_INT.exec(text);
  if (!match) throw new DecimalFormatError(input, 'not a decimal number');
  const sign = match[1] === '-' ? -1 : 1;
  const whole = match[2] || '0';
  let fraction = (match[3] ?? '').replace(/0+$/, '');
  if (fraction.length > scale) {
    throw new DecimalFormatError(input, `more than ${scale} decimal places`);
  }
  fraction = fraction.padEnd(scale, '0');
  const digits = (whole + fraction).replace(/^0+(?=\d)/, '');
  const value = Number(digits);
  if (!Number.isSafeInteger(value)) throw new DecimalFormatError(input, 'out of range');
  return value === 0 ? 0 : sign * value;
}

const INTEGER_TEXT = /^\s*[+-]?\d+\s*$/;

/**
 * A whole number written as text (`"35000"`, `" 3 "`, `"-5"`), exactly; undefined for anything
 * else (`"abc"`, `"12.5"`, and `"350.00"` too: a point in an integer field of minor units more
 * likely means major units, so it is refused rather than guessed) — the caller names the field.
 */
export function integerFromText(text: string): number | undefined {
  if (!INTEGER_TEXT.test(text)) return undefined;
  try {
    return decimalToScaled(text, 0);
  } catch {
    return undefined;
  }
}

/** Same as decimalToScaled but rounds half away from zero beyond `scale` decimals. */
export function decimalToScaledRounded(input: number | string, scale: number): number {
  const text = typeof input === 'number' ? numberToPlainText(input) : input.trim();
  const match = DECIMAL.exec(text) ?? DECIMAL_NO_INT.exec(text);
  if (!match) throw new DecimalFormatError(input, 'not a decimal number');
  const fraction = match[3] ?? '';
  if (fraction.length <= scale) return decimalToScaled(text, scale);
  const kept = `${match[1] ?? ''}${match[2] || '0'}.${fraction.slice(0, scale)}`;
  const truncated = decimalToScaled(kept, scale);
  const roundUp = Number(fraction[scale]) >= 5;
  if (!roundUp) return truncated;
  return match[1] === '-' ? truncated - 1 : truncated + 1;
}

/** Renders an integer scaled by 10^scale as a decimal string with exactly `scale` decimals. */
export function scaledToDecimalString(value: number, scale: number): string {
  if (!Number.isSafeInteger(value)) throw new DecimalFormatError(value, 'not a safe integer');
  const negative = value < 0;
  const digits = String(Math.abs(value)).padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale);
  return `${negative ? '-' : ''}${whole}${scale > 0 ? `.${fraction}` : ''}`;
}

/**
 * Renders an integer scaled by 10^scale as a JSON number (e.g. 3244050 kopecks → 32440.5).
 * Division of an integer by a power of ten is correctly rounded, and the shortest round-trip
 * rendering of that double is the decimal itself, so the wire shows exactly the amount.
 */
export function scaledToDecimalNumber(value: number, scale: number): number {
  if (!Number.isSafeInteger(value)) throw new DecimalFormatError(value, 'not a safe integer');
  return Number(scaledToDecimalString(value, scale));
}

/** value × numerator / denominator rounded half away from zero, in integers. */
export function mulDivRound(value: number, numerator: number, denominator: number): number {
  const product = BigInt(value) * BigInt(numerator);
  const d = BigInt(denominator);
  const negative = product < 0n !== d < 0n;
  const absProduct = product < 0n ? -product : product;
  const absD = d < 0n ? -d : d;
  let quotient = absProduct / absD;
  if ((absProduct % absD) * 2n >= absD) quotient += 1n;
  return Number(negative ? -quotient : quotient);
}
