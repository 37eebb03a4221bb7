import type { PaymentKind, Receipt, ReceiptItem, ReceiptTax } from '../canonical/receipt';
import type { CanonicalCommand } from '../canonical/commands';
import type { CommandOutcome } from '../canonical/results';
import { type CanonicalError, canonicalError } from '../errors/canonical-error';
import { SALE_CODE, type SaleCode, describeError, saleCodeFor } from '../errors/answer-codes';
import { mulDivRound } from '../money/decimal';
import { saleQtyToMilli, saleTaxPrcToMilliPercent } from '../money/sale-money';
import { describeFieldIssues, shownValue, unknownFieldsOf } from '../input/lenient';
import {
  describeUnstorable,
  findUnstorableString,
  MAX_JSON_DEPTH,
  parseJsonGuarded,
  valueDepthExceeds,
} from '../input/json-guard';
import {
  normalizeSaleDocTime,
  SALE_KNOWN_FIELDS,
  SALE_PAYMENT_KINDS,
  type SaleAnswer,
  type SaleRequest,
  saleRequestSchema,
} from './sale-schema';

export type SaleParseResult =
  | {
      ok: true;
      request: SaleRequest;
      /** Fields seed 001 does not define (`extra`, `items[].colour`): ignored, reported for logging. */
      unknownFields: string[];
    }
  | { ok: false; answer: SaleAnswer };

export const saleErrorAnswer = (code: SaleCode, message: string): SaleAnswer => ({
  status: 'error',
  code,
  message,
});

const TOO_DEEP_TEXT = `некорректный формат JSON: вложенность глубже ${MAX_JSON_DEPTH} уровней`;

/**
 * Body text → validated request, or the seed's code 2 (bad JSON, nesting deeper than
 * MAX_JSON_DEPTH — refused before parsing) / 3 (missing or wrong fields; a NUL or a lone surrogate
 * in any key or string, which PostgreSQL cannot store, named by its field).
 */
export function parseSaleRequest(body: string | Buffer | unknown): SaleParseResult {
  let json: unknown = body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    const guarded = parseJsonGuarded(typeof body === 'string' ? body : body.toString('utf8'), {
      checkStrings: false,
    });
    if (!guarded.ok)
      return {
        ok: false,
        answer: saleErrorAnswer(
          SALE_CODE.BAD_JSON,
          guarded.reason === 'too-deep' ? TOO_DEEP_TEXT : 'некорректный формат JSON',
        ),
      };
    json = guarded.value;
  } else if (valueDepthExceeds(body)) {
    return { ok: false, answer: saleErrorAnswer(SALE_CODE.BAD_JSON, TOO_DEEP_TEXT) };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return {
      ok: false,
      answer: saleErrorAnswer(SALE_CODE.BAD_JSON, 'некорректный формат JSON: ожидается объект'),
    };
  }
  const unstorable = findUnstorableString(json);
  if (unstorable)
    return {
      ok: false,
      answer: saleErrorAnswer(
        SALE_CODE.MISSING_FIELDS,
        `недопустимое значение: ${describeUnstorable(unstorable, 'ru')}`,
      ),
    };
  const parsed = saleRequestSchema.safeParse(json, { reportInput: true });
  if (!parsed.success) {
    return {
      ok: false,
      answer: saleErrorAnswer(
        SALE_CODE.MISSING_FIELDS,
        `некорректные или не переданы обязательные параметры: ${describeFieldIssues(parsed.error)}`,
      ),
    };
  }
  return { ok: true, request: parsed.data, unknownFields: unknownFieldsOf(json, SALE_KNOWN_FIELDS) };
}

/**
 * Idempotency per seed 001: when `docTime` is given the document is unique by
 * docTime + docNumber + amount; a repeat reprints instead of fiscalizing again. Without
 * `docTime` there is no uniqueness control (null). `docTime` is in the seed's form
 * (`parseSaleRequest` normalises ISO 8601 to it; normalised here too, so that both forms of the
 * same time give one key) — the key of a seed-form request is exactly what it always was.
 */
export function saleIdempotencyKey(
  request: Pick<SaleRequest, 'docTime' | 'docNumber' | 'amount'>,
): string | null {
  if (!request.docTime) return null;
  const docTime = normalizeSaleDocTime(request.docTime) ?? request.docTime;
  return `sale:${docTime}|${request.docNumber}|${request.amount}`;
}

/** The currencies a register keeps, and what clients write for each (seed 001 `currency` is free text). */
export type RegisterCurrency = 'KZT' | 'RUB';
const CURRENCY_NAMES: Readonly<Record<RegisterCurrency, readonly string[]>> = {
  KZT: ['KZT', '398', 'ТГ', 'ТЕНГЕ', 'ТНГ', '₸'],
  RUB: ['RUB', 'RUR', '643', '810', 'РУБ', 'РУБЛЬ', 'РУБЛИ', 'Р', '₽'],
};
const CURRENCY_TEXT: Readonly<Record<RegisterCurrency, string>> = { KZT: 'тенге (KZT)', RUB: 'рублях (RUB)' };

/** `"kzt"`, `" ₸ "`, `"тенге"`, `"398"` → KZT; undefined when it names neither. */
export function saleCurrencyOf(text: string): RegisterCurrency | undefined {
  const name = text.trim().replace(/\.$/, '').toUpperCase();
  for (const [currency, names] of Object.entries(CURRENCY_NAMES) as [RegisterCurrency, readonly string[]][])
    if (names.includes(name)) return currency;
  return undefined;
}

/**
 * Seed 001 `currency` against the register's: absent is the register's own; another currency
 * (or one it cannot read) is refused with code 3 naming both, never fiscalized in the register's.
 */
export function saleCurrencyRefusal(
  request: Pick<SaleRequest, 'currency'>,
  registerCurrency: RegisterCurrency,
): SaleAnswer | undefined {
  if (request.currency === undefined || request.currency === '') return undefined;
  const currency = saleCurrencyOf(request.currency);
  if (currency === registerCurrency) return undefined;
  return saleErrorAnswer(
    SALE_CODE.MISSING_FIELDS,
    currency
      ? `currency: касса работает в ${CURRENCY_TEXT[registerCurrency]}, а документ в ${currency} — документ не фискализирован`
      : `currency: неизвестная валюта ${shownValue(request.currency)}; касса работает в ${CURRENCY_TEXT[registerCurrency]}`,
  );
}

export interface SaleConvertContext {
  /** Payment kinds the target register accepts; others answer code 7. */
  paymentKinds: readonly PaymentKind[];
  /** The register's currency: a document in another one answers code 3 (`saleCurrencyRefusal`). */
  currency?: RegisterCurrency;
}

export type SaleConvertResult = { ok: true; command: CanonicalCommand } | { ok: false; answer: SaleAnswer };

/** Validated `/sale` request → canonical receipt (or reprint when `fiscalID` names a document). */
export function saleRequestToCommand(request: SaleRequest, context: SaleConvertContext): SaleConvertResult {
  const wrongCurrency = context.currency ? saleCurrencyRefusal(request, context.currency) : undefined;
  if (wrongCurrency) return { ok: false, answer: wrongCurrency };
  if (request.fiscalID) {
    return { ok: true, command: { type: 'receipt.reprint', document: { fiscalId: request.fiscalID } } };
  }
  const items: ReceiptItem[] = request.items.map((item) => {
    const discount = item.discount ?? 0;
    // itemAmount is what the buyer pays for the line; the line before its discount is their sum.
    const sum = item.itemAmount + discount;
    const quantity = saleQtyToMilli(item.itemQty);
    const taxes: ReceiptTax[] = (item.itemTaxes ?? []).map((tax) => ({
      ...(tax.taxName ? { name: tax.taxName } : {}),
      rate: saleTaxPrcToMilliPercent(tax.taxPrc),
      calcType: tax.calcType === 1 ? 'included' : tax.calcType === 2 ? 'fixed' : 'simplified',
    }));
    return {
      name: item.itemName,
      ...(item.itemId ? { code: item.itemId } : {}),
      quantity,
      price: mulDivRound(sum, 1000, quantity),
      sum,
      discount,
      markup: 0,
      taxes,
      ...(item.itemAttr != null ? { attribute: item.itemAttr } : {}),
      ...(item.itemQRCode ? { markCode: item.itemQRCode } : {}),
      ...(item.itemMarginSum != null ? { marginSum: item.itemMarginSum } : {}),
      ...(item.itemMarginPrice != null ? { marginPrice: item.itemMarginPrice } : {}),
    };
  });

  const itemsTotal = request.items.reduce((acc, item) => acc + item.itemAmount, 0);
  if (itemsTotal !== request.amount) {
    return {
      ok: false,
      answer: saleErrorAnswer(
        SALE_CODE.SUM_MISMATCH,
        `amount: сумма по документу ${request.amount} не соответствует сумме по позициям ${itemsTotal}`,
      ),
    };
  }

  const payments: Receipt['payments'] = [];
  for (const [field, kind] of Object.entries(SALE_PAYMENT_KINDS) as [
    keyof typeof SALE_PAYMENT_KINDS,
    PaymentKind,
  ][]) {
    const amount = request.payments?.[field] ?? 0;
    if (amount <= 0) continue;
    if (!context.paymentKinds.includes(kind)) {
      return {
        ok: false,
        answer: saleErrorAnswer(
          SALE_CODE.PAYMENT_TYPE_UNSUPPORTED,
          `payments.${field}: тип оплаты ${field} (${kind}) не поддерживается кассой; касса принимает: ${context.paymentKinds.join(', ')}`,
        ),
      };
    }
    payments.push({ kind, amount });
  }
  const paid = payments.reduce((acc, payment) => acc + payment.amount, 0);
  if (paid < request.amount) {
    return {
      ok: false,
      answer: saleErrorAnswer(
        SALE_CODE.NOT_FULLY_PAID,
        `payments: документ не полностью оплачен: оплачено ${paid} из ${request.amount}`,
      ),
    };
  }
  const cash = payments.find((payment) => payment.kind === 'cash')?.amount ?? 0;
  if (paid - request.amount > cash) {
    return {
      ok: false,
      // Not seed code 4 (items against amount): the payments block itself is wrong — code 3, named.
      answer: saleErrorAnswer(
        SALE_CODE.MISSING_FIELDS,
        `payments: оплата без наличных (${paid - cash}) больше суммы документа (${request.amount}): сдача возможна только с наличных`,
      ),
    };
  }

  const receipt: Receipt = {
    type: 'receipt',
    operation: 'sale',
    cashier: request.employeeName,
    items,
    discount: 0,
    markup: 0,
    taxes: [],
    payments,
    total: request.amount,
    footerLines: request.printFooter ? request.printFooter.split(/\r?\n/) : [],
    externalNumber: request.docNumber,
  };
  return { ok: true, command: receipt };
}

/** The seed 001 answer for a canonical error. */
export function saleAnswerForError(error: CanonicalError): SaleAnswer {
  return saleErrorAnswer(saleCodeFor(error), describeError(error));
}

/** The seed 001 answer for a command's outcome. */
export function commandOutcomeToSaleAnswer(outcome: CommandOutcome): SaleAnswer {
  if (!outcome.ok) return saleAnswerForError(outcome.error);
  const result = outcome.result;
  return {
    status: 'success',
    code: SALE_CODE.OK,
    ...(result.documentNumber !== undefined ? { documentID: result.documentNumber } : {}),
    ...(result.fiscalId ? { fiscalID: result.fiscalId } : {}),
    ...(result.documentNumber !== undefined ? { fiscalNum: String(result.documentNumber) } : {}),
    ...(result.checkNumber !== undefined ? { checkNum: String(result.checkNumber) } : {}),
    ...(result.rrn ? { rrn: result.rrn } : {}),
  };
}

export const saleUnauthorizedAnswer = (): SaleAnswer => saleAnswerForError(canonicalError('UNAUTHORIZED'));
