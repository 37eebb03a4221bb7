import { z } from 'zod';
import { type KnownFields, nullAsAbsent, numberLike, stringLike } from '../input/lenient';
import { saleIntegerFromText } from '../money/sale-money';

/**
 * Seed 001 `POST /sale` (SmartOne Cashbox style). Amounts are integer kopecks/tiyn, `itemQty`
 * is quantity × 1000, `taxPrc` is percent × 100, `calcType` 1 in-price (default), 2 fixed,
 * 3 simplified. `docTime` is `yyyy-MM-dd hh:mm:ss` (ISO 8601 is read too and normalised to it).
 *
 * Liberal in what it accepts: every number may come as a numeric string, `null` is the same as
 * an absent optional field, identifiers (`docNumber`, `wsName`, `itemId`, …) may come as numbers,
 * unknown fields are ignored (and reported by `parseSaleRequest`).
 */
const integer = <T extends z.ZodType>(schema: T) => numberLike(schema, saleIntegerFromText);
const kopecks = integer(z.number().int().nonnegative());
const optionalKopecks = nullAsAbsent(kopecks);
const text = stringLike(z.string());
const optionalText = nullAsAbsent(text);

export const saleItemTaxSchema = z.object({
  taxName: optionalText,
  taxPrc: integer(z.number().int().min(0).max(10_000)),
  /** Seed 001: "Значение по умолчанию - 1" — absent or null is 1. */
  calcType: z.preprocess(
    (value) => (value === null ? undefined : value),
    integer(z.number().pipe(z.literal([1, 2, 3]))).default(1),
  ),
});

export const saleItemSchema = z.object({
  itemId: optionalText,
  itemName: stringLike(z.string().trim().min(1)),
  itemAttr: nullAsAbsent(integer(z.number().int())),
  itemQRCode: optionalText,
  itemQty: integer(z.number().int().positive()),
  itemAmount: kopecks,
  discount: optionalKopecks,
  itemTaxes: nullAsAbsent(z.array(saleItemTaxSchema)),
  itemMarginSum: optionalKopecks,
  itemMarginPrice: optionalKopecks,
});

export const salePaymentsSchema = z.object({
  cashAmount: optionalKopecks,
  cashlessAmount: optionalKopecks,
  creditAmount: optionalKopecks,
  bonusesAmount: optionalKopecks,
  prepaymentAmount: optionalKopecks,
  installmentAmount: optionalKopecks,
});

/** The seed's own `docTime` form; the idempotency key is built from it. */
export const SALE_DOC_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
/** ISO 8601 (`2026-12-01T10:15:00`, `…T10:15`, `…T10:15:00.250+05:00`, `…Z`), read as well. */
const ISO_DOC_TIME =
  /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2})?(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * `docTime` in the seed's form (`yyyy-MM-dd hh:mm:ss`), or undefined when it is neither that nor
 * ISO 8601. The seed's form is returned untouched (so existing documents keep their key); an ISO
 * time keeps its wall clock as written: fractions of a second and the offset (or Z) are dropped,
 * not converted — the seed's time has no zone, it is the POS's local time.
 */
export function normalizeSaleDocTime(value: string): string | undefined {
  if (SALE_DOC_TIME.test(value)) return value;
  const iso = ISO_DOC_TIME.exec(value.trim());
  if (!iso) return undefined;
  return `${iso[1]} ${iso[2]}${iso[3] ?? ':00'}`;
}

const docTime = z.string().transform((value, context) => {
  const normalized = normalizeSaleDocTime(value);
  if (normalized === undefined) {
    context.addIssue({
      code: 'custom',
      message: 'ожидается дата и время yyyy-MM-dd hh:mm:ss (или ISO 8601)',
      input: value,
    });
    return z.NEVER;
  }
  return normalized;
});

export const saleRequestSchema = z.object({
  docTime: nullAsAbsent(docTime),
  docNumber: stringLike(z.string().trim().min(1)),
  wsName: optionalText,
  departmentName: optionalText,
  employeeName: z.string().trim().min(1),
  amount: kopecks,
  /** Checked against the register's currency (`saleCurrencyRefusal`); `398` / `643` may come as numbers. */
  currency: nullAsAbsent(stringLike(z.string().trim())),
  items: z.array(saleItemSchema).min(1),
  payments: nullAsAbsent(salePaymentsSchema),
  fiscalID: optionalText,
  printFooter: optionalText,
});
export type SaleRequest = z.infer<typeof saleRequestSchema>;

/** The fields seed 001 defines at each level; anything else is ignored and reported. */
export const SALE_KNOWN_FIELDS: KnownFields = {
  keys: Object.keys(saleRequestSchema.shape),
  nested: {
    items: {
      keys: Object.keys(saleItemSchema.shape),
      nested: { itemTaxes: { keys: Object.keys(saleItemTaxSchema.shape) } },
    },
    payments: { keys: Object.keys(salePaymentsSchema.shape) },
  },
};
export type SaleItem = z.infer<typeof saleItemSchema>;

export const saleAnswerSchema = z.object({
  status: z.enum(['success', 'error']),
  code: z.number().int().min(0).max(9),
  message: z.string().optional(),
  printError: z.number().int().optional(),
  documentID: z.number().int().optional(),
  fiscalID: z.string().optional(),
  fiscalNum: z.string().optional(),
  rrn: z.string().optional(),
  auth: z.string().optional(),
  cardNum: z.string().optional(),
  checkNum: z.string().optional(),
});
export type SaleAnswer = z.infer<typeof saleAnswerSchema>;

/** Seed 001 payment fields → canonical payment kinds. */
export const SALE_PAYMENT_KINDS = {
  cashAmount: 'cash',
  cashlessAmount: 'card',
  creditAmount: 'credit',
  bonusesAmount: 'bonuses',
  prepaymentAmount: 'prepayment',
  installmentAmount: 'installment',
} as const;
