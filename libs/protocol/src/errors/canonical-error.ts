import { z } from 'zod';

/**
 * Register-independent error codes. Every device answer code (seeds 002 and 003) maps to one of
 * these; each of these maps to a WS `error_code` and a `/sale` `code`.
 */
export const CANONICAL_ERROR_CODES = [
  'INVALID_REQUEST',
  'UNAUTHORIZED',
  'NOT_SUPPORTED',
  'PAYMENT_TYPE_UNSUPPORTED',
  'REGISTER_UNREACHABLE',
  'REGISTER_BUSY',
  'DEVICE_TIMEOUT',
  'RESULT_UNKNOWN',
  'DEADLINE_EXCEEDED',
  'AGENT_OFFLINE',
  'IN_PROGRESS',
  'NOT_PERFORMED',
  'SHIFT_NOT_OPEN',
  'SHIFT_ALREADY_OPEN',
  'SHIFT_TOO_LONG',
  'SHIFT_OPENED_BY_OTHER_CASHIER',
  'OFFLINE_TOO_LONG',
  'LOW_BATTERY',
  'PRINTER_NOT_READY',
  'INVALID_DEVICE_KEY',
  'INVALID_CREDENTIALS',
  'ACCESS_DENIED',
  'INSUFFICIENT_CASH',
  'PAYMENT_INSUFFICIENT',
  'PAYMENT_EXCEEDS_TOTAL',
  'TOTAL_MISMATCH',
  'INVALID_ITEMS',
  'INVALID_DISCOUNT',
  'TAX_ERROR',
  'SAME_TAXPAYER_AND_CUSTOMER',
  'REGISTER_BLOCKED',
  'OFD_ERROR',
  'LICENSE_ERROR',
  'NOT_FOUND',
  'REGISTER_NOT_CONFIGURED',
  'DEVICE_ERROR',
  'INTERNAL',
] as const;

export const canonicalErrorCodeSchema = z.enum(CANONICAL_ERROR_CODES);
export type CanonicalErrorCode = z.infer<typeof canonicalErrorCodeSchema>;

export const deviceErrorSchema = z.object({
  kind: z.enum(['ikkm', 'cash-core']),
  /** The device's own answer code (iKKM: -1…-199; cash core: response_code 1…95). */
  code: z.number().int(),
  /** The device's own name for it (cash core constant, e.g. `not_enough_cash`), when it has one. */
  constant: z.string().optional(),
  /** The device's own text (HTTP status text or the seed's description), kept verbatim. */
  text: z.string(),
});
export type DeviceError = z.infer<typeof deviceErrorSchema>;

export const canonicalErrorSchema = z.object({
  code: canonicalErrorCodeSchema,
  message: z.string(),
  /** Whether sending the same command again later may succeed (busy, unreachable, timeouts). */
  retryable: z.boolean(),
  device: deviceErrorSchema.optional(),
});
export type CanonicalError = z.infer<typeof canonicalErrorSchema>;

const RETRYABLE: ReadonlySet<CanonicalErrorCode> = new Set<CanonicalErrorCode>([
  'REGISTER_UNREACHABLE',
  'REGISTER_BUSY',
  'DEVICE_TIMEOUT',
  'AGENT_OFFLINE',
  'IN_PROGRESS',
  'LOW_BATTERY',
  'PRINTER_NOT_READY',
]);

/** Plain-words description of each canonical error, in Russian (the product's default language). */
export const CANONICAL_ERROR_TEXT: Readonly<Record<CanonicalErrorCode, string>> = {
  INVALID_REQUEST: 'Некорректный запрос',
  UNAUTHORIZED: 'Ошибка авторизации',
  NOT_SUPPORTED: 'Операция не поддерживается этой кассой',
  PAYMENT_TYPE_UNSUPPORTED: 'Тип оплаты не поддерживается',
  REGISTER_UNREACHABLE: 'Касса недоступна',
  REGISTER_BUSY: 'Касса занята выполнением другой операции',
  DEVICE_TIMEOUT: 'Касса не ответила вовремя',
  RESULT_UNKNOWN: 'Результат операции на кассе неизвестен, выполняется сверка',
  DEADLINE_EXCEEDED: 'Срок выполнения команды истёк',
  AGENT_OFFLINE: 'Агент магазина не в сети',
  IN_PROGRESS: 'Операция ещё выполняется, повторите запрос позже',
  NOT_PERFORMED: 'Операция на кассе не выполнена (установлено сверкой или решением оператора)',
  SHIFT_NOT_OPEN: 'Смена не открыта',
  SHIFT_ALREADY_OPEN: 'Смена уже открыта',
  SHIFT_TOO_LONG: 'Смена превысила 24 часа, закройте смену',
  SHIFT_OPENED_BY_OTHER_CASHIER: 'Смена открыта другим кассиром',
  OFFLINE_TOO_LONG: 'Касса слишком долго работает без связи с ОФД',
  LOW_BATTERY: 'Низкий заряд батареи кассы',
  PRINTER_NOT_READY: 'Принтер не готов, проверьте бумагу',
  INVALID_DEVICE_KEY: 'Неверный web-api ключ кассы',
  INVALID_CREDENTIALS: 'Неверный PIN-код или токен кассы',
  ACCESS_DENIED: 'Нет прав на операцию с кассой',
  INSUFFICIENT_CASH: 'Недостаточно наличных в кассе',
  PAYMENT_INSUFFICIENT: 'Оплаченная сумма меньше суммы чека',
  PAYMENT_EXCEEDS_TOTAL: 'Безналичная оплата больше суммы чека',
  TOTAL_MISMATCH: 'Сумма документа не соответствует сумме по позициям',
  INVALID_ITEMS: 'Позиции чека заданы некорректно',
  INVALID_DISCOUNT: 'Скидка или наценка заданы некорректно',
  TAX_ERROR: 'Ошибка налога',
  SAME_TAXPAYER_AND_CUSTOMER: 'ИИН (БИН) продавца и покупателя одинаковые',
  REGISTER_BLOCKED: 'Касса заблокирована',
  OFD_ERROR: 'Ошибка ОФД',
  LICENSE_ERROR: 'Ошибка лицензии кассового ядра',
  NOT_FOUND: 'Документ не найден',
  REGISTER_NOT_CONFIGURED: 'Касса не настроена',
  DEVICE_ERROR: 'Ошибка кассы',
  INTERNAL: 'Внутренняя ошибка',
};

export function canonicalError(
  code: CanonicalErrorCode,
  message?: string,
  device?: DeviceError,
): CanonicalError {
  return {
    code,
    message: message ?? device?.text ?? CANONICAL_ERROR_TEXT[code],
    retryable: RETRYABLE.has(code),
    ...(device ? { device } : {}),
  };
}
