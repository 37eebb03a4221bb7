import type { PaymentKind, Receipt, ReceiptItem, ReceiptTax } from '../canonical/receipt';
import type { CanonicalCommand } from '../canonical/commands';
import type { CommandOutcome } from '../canonical/results';
import { type CanonicalError, canonicalError } from '../errors/canonical-error';
import { SALE_CODE, SALE_CODES, type SaleCode, describeError } from '../errors/answer-codes';
import { mulDivRound } from '../money/decimal';
import { saleQtyToMilli, saleTaxPrcToMilliPercent } from '../money/sale-money';
import { describeIssues } from '../ws/ws-parse';
import {
  describeUnstorable,
  findUnstorableString,
  MAX_JSON_DEPTH,
  parseJsonGuarded,
  valueDepthExceeds,
} from '../input/json-guard';
import { SALE_PAYMENT_KINDS, type SaleAnswer, type SaleRequest, saleRequestSchema } from './sale-schema';

export type SaleParseResult = { ok: true; request: SaleRequest } | { ok: false; answer: SaleAnswer };

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
  const parsed = saleRequestSchema.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      answer: saleErrorAnswer(
        SALE_CODE.MISSING_FIELDS,
        `не переданы обязательные параметры: ${describeIssues(parsed.error)}`,
      ),
    };
  }
  return { ok: true, request: parsed.data };
}

/**
 * Idempotency per seed 001: when `docTime` is given the document is unique by
 * docTime + docNumber + amount; a repeat reprints instead of fiscalizing again. Without
 * `docTime` there is no uniqueness control (null).
 */
export function saleIdempotencyKey(
  request: Pick<SaleRequest, 'docTime' | 'docNumber' | 'amount'>,
): string | null {
  if (!request.docTime) return null;
  return `sale:${request.docTime}|${request.docNumber}|${request.amount}`;
}

export interface SaleConvertContext {
  /** Payment kinds the target register accepts; others answer code 7. */
  paymentKinds: readonly PaymentKind[];
}

export type SaleConvertResult = { ok: true; command: CanonicalCommand } | { ok: false; answer: SaleAnswer };

/** Validated `/sale` request → canonical receipt (or reprint when `fiscalID` names a document). */
export function saleRequestToCommand(request: SaleRequest, context: SaleConvertContext): SaleConvertResult {
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
        `сумма по документу ${request.amount} не соответствует сумме по позициям ${itemsTotal}`,
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
          `тип оплаты ${field} не поддерживается кассой`,
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
        `документ не полностью оплачен: оплачено ${paid} из ${request.amount}`,
      ),
    };
  }
  const cash = payments.find((payment) => payment.kind === 'cash')?.amount ?? 0;
  if (paid - request.amount > cash) {
    return {
      ok: false,
      answer: saleErrorAnswer(
        SALE_CODE.SUM_MISMATCH,
        'безналичная оплата больше суммы документа: сдача возможна только с наличных',
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
  return saleErrorAnswer(SALE_CODES[error.code], describeError(error));
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
