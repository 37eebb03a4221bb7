import { CANONICAL_ERROR_TEXT, type CanonicalError, type CanonicalErrorCode } from './canonical-error';

/**
 * Seed 000 fixes the shape `{ error, error_code, text }` but not the numbers, so kassa-relay
 * publishes its own stable table (docs/protocol-mapping.md lists it). 0 is success; numbers are
 * never reused.
 */
export const WS_ERROR_CODES: Readonly<Record<CanonicalErrorCode, number>> = {
  INVALID_REQUEST: 1,
  UNAUTHORIZED: 2,
  NOT_SUPPORTED: 3,
  PAYMENT_TYPE_UNSUPPORTED: 4,
  REGISTER_UNREACHABLE: 10,
  REGISTER_BUSY: 11,
  DEVICE_TIMEOUT: 12,
  RESULT_UNKNOWN: 13,
  DEADLINE_EXCEEDED: 14,
  AGENT_OFFLINE: 15,
  IN_PROGRESS: 16,
  NOT_PERFORMED: 17,
  SHIFT_NOT_OPEN: 20,
  SHIFT_ALREADY_OPEN: 21,
  SHIFT_TOO_LONG: 22,
  SHIFT_OPENED_BY_OTHER_CASHIER: 23,
  OFFLINE_TOO_LONG: 24,
  LOW_BATTERY: 30,
  PRINTER_NOT_READY: 31,
  INVALID_DEVICE_KEY: 32,
  INVALID_CREDENTIALS: 33,
  ACCESS_DENIED: 34,
  INSUFFICIENT_CASH: 40,
  PAYMENT_INSUFFICIENT: 41,
  PAYMENT_EXCEEDS_TOTAL: 42,
  TOTAL_MISMATCH: 43,
  INVALID_ITEMS: 44,
  INVALID_DISCOUNT: 45,
  TAX_ERROR: 46,
  SAME_TAXPAYER_AND_CUSTOMER: 47,
  REGISTER_BLOCKED: 50,
  OFD_ERROR: 51,
  LICENSE_ERROR: 52,
  NOT_FOUND: 60,
  REGISTER_NOT_CONFIGURED: 61,
  DEVICE_ERROR: 90,
  INTERNAL: 99,
};

/** Seed 001 answer codes. */
export const SALE_CODE = {
  OK: 0,
  AUTH: 1,
  BAD_JSON: 2,
  MISSING_FIELDS: 3,
  SUM_MISMATCH: 4,
  INTERNAL: 5,
  SHIFT_NOT_OPEN: 6,
  PAYMENT_TYPE_UNSUPPORTED: 7,
  NOT_FULLY_PAID: 8,
  NOT_FOUND: 9,
} as const;
export type SaleCode = (typeof SALE_CODE)[keyof typeof SALE_CODE];

/**
 * Seed 001 has ten codes; one per situation where the seed has one: 3 the request's own fields
 * (named in `message`), 4 the document's amount against its items, 6 no usable shift (not open, or
 * over 24 hours: it must be closed and opened again), 7 a payment kind the register does not take,
 * 8 paid less than the amount, 9 document not found. The canonical errors that have no code of
 * their own are "internal error" (5) with the precise reason in `message`; a register's own
 * refusal is never 3 (`saleCodeFor`).
 */
export const SALE_CODES: Readonly<Record<CanonicalErrorCode, SaleCode>> = {
  INVALID_REQUEST: SALE_CODE.MISSING_FIELDS,
  UNAUTHORIZED: SALE_CODE.AUTH,
  NOT_SUPPORTED: SALE_CODE.INTERNAL,
  PAYMENT_TYPE_UNSUPPORTED: SALE_CODE.PAYMENT_TYPE_UNSUPPORTED,
  REGISTER_UNREACHABLE: SALE_CODE.INTERNAL,
  REGISTER_BUSY: SALE_CODE.INTERNAL,
  DEVICE_TIMEOUT: SALE_CODE.INTERNAL,
  RESULT_UNKNOWN: SALE_CODE.INTERNAL,
  DEADLINE_EXCEEDED: SALE_CODE.INTERNAL,
  AGENT_OFFLINE: SALE_CODE.INTERNAL,
  IN_PROGRESS: SALE_CODE.INTERNAL,
  NOT_PERFORMED: SALE_CODE.INTERNAL,
  SHIFT_NOT_OPEN: SALE_CODE.SHIFT_NOT_OPEN,
  SHIFT_ALREADY_OPEN: SALE_CODE.INTERNAL,
  SHIFT_TOO_LONG: SALE_CODE.SHIFT_NOT_OPEN,
  SHIFT_OPENED_BY_OTHER_CASHIER: SALE_CODE.INTERNAL,
  OFFLINE_TOO_LONG: SALE_CODE.INTERNAL,
  LOW_BATTERY: SALE_CODE.INTERNAL,
  PRINTER_NOT_READY: SALE_CODE.INTERNAL,
  INVALID_DEVICE_KEY: SALE_CODE.INTERNAL,
  INVALID_CREDENTIALS: SALE_CODE.INTERNAL,
  ACCESS_DENIED: SALE_CODE.INTERNAL,
  INSUFFICIENT_CASH: SALE_CODE.INTERNAL,
  PAYMENT_INSUFFICIENT: SALE_CODE.NOT_FULLY_PAID,
  PAYMENT_EXCEEDS_TOTAL: SALE_CODE.MISSING_FIELDS,
  TOTAL_MISMATCH: SALE_CODE.SUM_MISMATCH,
  INVALID_ITEMS: SALE_CODE.MISSING_FIELDS,
  INVALID_DISCOUNT: SALE_CODE.MISSING_FIELDS,
  TAX_ERROR: SALE_CODE.MISSING_FIELDS,
  SAME_TAXPAYER_AND_CUSTOMER: SALE_CODE.INTERNAL,
  REGISTER_BLOCKED: SALE_CODE.INTERNAL,
  OFD_ERROR: SALE_CODE.INTERNAL,
  LICENSE_ERROR: SALE_CODE.INTERNAL,
  NOT_FOUND: SALE_CODE.NOT_FOUND,
  REGISTER_NOT_CONFIGURED: SALE_CODE.INTERNAL,
  DEVICE_ERROR: SALE_CODE.INTERNAL,
  INTERNAL: SALE_CODE.INTERNAL,
};

/**
 * The seed 001 code for a canonical error. A register's refusal of what the document holds
 * (items, discount, tax, payments beyond the total, a value it cannot take) is not "parameters not
 * passed": the seed has no code for a device refusal, so it is 5 with the register's own text in
 * `message`. The situations the seed names keep their code whoever found them (4, 6, 7, 8, 9).
 */
export function saleCodeFor(error: CanonicalError): SaleCode {
  const code = SALE_CODES[error.code];
  return error.device && code === SALE_CODE.MISSING_FIELDS ? SALE_CODE.INTERNAL : code;
}

/** The WS `{ error_code, text }` pair for a canonical error; the device's own text is kept. */
export function toWsErrorFields(error: CanonicalError): { error_code: number; text: string } {
  return { error_code: WS_ERROR_CODES[error.code], text: describeError(error) };
}

/** "Смена не открыта (cash core 35 kkm_shift_state_is_not_opened: …)" — readable and exact. */
export function describeError(error: CanonicalError): string {
  if (!error.device) return error.message;
  const base = error.message === error.device.text ? CANONICAL_ERROR_TEXT[error.code] : error.message;
  return `${base}: ${error.device.text}`;
}
