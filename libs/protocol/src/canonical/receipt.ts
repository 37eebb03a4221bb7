import { z } from 'zod';

const minor = z.number().int().refine(Number.isSafeInteger, 'must be a safe integer');
const nonNegativeMinor = minor.refine((v) => v >= 0, 'must not be negative');

/** Receipt operations, named from the buyer's side as both seeds do (sale, sale return, …). */
export const receiptOperationSchema = z.enum(['sale', 'saleReturn', 'buy', 'buyReturn']);
export type ReceiptOperation = z.infer<typeof receiptOperationSchema>;

/**
 * How a tax is computed (seed 001 `calcType`): included in the price (1, the default), a fixed
 * sum (2), simplified regime (3).
 */
export const taxCalcTypeSchema = z.enum(['included', 'fixed', 'simplified']);
export type TaxCalcType = z.infer<typeof taxCalcTypeSchema>;

export const receiptTaxSchema = z.object({
  name: z.string().optional(),
  /** Thousandths of a percent: 12 % = 12000. */
  rate: z.number().int().min(0).max(100_000),
  calcType: taxCalcTypeSchema.default('included'),
  /** The register's own code for this tax (iKKM `tax` parameter), when the tax table names one. */
  registerCode: z.string().optional(),
  /** The tax amount in minor units, when the client computed it; otherwise the register does. */
  amount: nonNegativeMinor.optional(),
});
export type ReceiptTax = z.infer<typeof receiptTaxSchema>;

export const receiptItemSchema = z.object({
  name: z.string().min(1),
  /** Code in the client's accounting system (seed 001 `itemId`, seed 000 `barcode`). */
  code: z.string().optional(),
  barcode: z.string().optional(),
  /** Thousandths of a unit: 2 pieces = 2000, 0.5 kg = 500. */
  quantity: z.number().int().positive(),
  /** Price of one unit, minor units. */
  price: nonNegativeMinor,
  /** Line amount before discount and markup (price × quantity, as the client computed it). */
  sum: nonNegativeMinor,
  discount: nonNegativeMinor.default(0),
  markup: nonNegativeMinor.default(0),
  taxes: z.array(receiptTaxSchema).default([]),
  sectionCode: z.string().optional(),
  measureUnitCode: z.string().optional(),
  /** Seed 001 `itemAttr` (1 = prepayment service). */
  attribute: z.number().int().optional(),
  /** Seed 001 `itemQRCode`: product identification (marking) code. */
  markCode: z.string().optional(),
  marginSum: nonNegativeMinor.nullish(),
  marginPrice: nonNegativeMinor.nullish(),
});
export type ReceiptItem = z.infer<typeof receiptItemSchema>;

/** Seed 001's six payment kinds, plus what the registers add (iKKM tara, cash-core mobile). */
export const paymentKindSchema = z.enum([
  'cash',
  'card',
  'credit',
  'bonuses',
  'prepayment',
  'installment',
  'mobile',
  'tara',
]);
export type PaymentKind = z.infer<typeof paymentKindSchema>;

export const paymentSchema = z.object({
  kind: paymentKindSchema,
  amount: nonNegativeMinor,
});
export type Payment = z.infer<typeof paymentSchema>;

export const receiptSchema = z.object({
  type: z.literal('receipt'),
  operation: receiptOperationSchema,
  cashier: z.string().optional(),
  items: z.array(receiptItemSchema).min(1),
  /** Receipt-level discount and markup, minor units. */
  discount: nonNegativeMinor.default(0),
  markup: nonNegativeMinor.default(0),
  /** Receipt-level taxes; exclusive with per-item taxes (the cash core refuses both). */
  taxes: z.array(receiptTaxSchema).default([]),
  payments: z.array(paymentSchema).min(1),
  /** What the buyer owes: Σ(item sum − discount + markup) − discount + markup. */
  total: nonNegativeMinor,
  customerIinBin: z
    .string()
    .regex(/^\d{12}$/, 'IIN/BIN is 12 digits')
    .optional(),
  /** Card payment reference (seed 000 `rrn`), needed to return a card payment. */
  rrn: z.string().optional(),
  /** Free lines printed at the end of the receipt (seed 001 `printFooter`). */
  footerLines: z.array(z.string()).default([]),
  /** The client's document reference (seed 001 `docNumber`), printed where the register can. */
  externalNumber: z.string().optional(),
});
export type Receipt = z.infer<typeof receiptSchema>;
export type ReceiptInput = z.input<typeof receiptSchema>;

/** Net amount of one line: sum − discount + markup. */
export const itemNet = (item: Pick<ReceiptItem, 'sum' | 'discount' | 'markup'>): number =>
  item.sum - item.discount + item.markup;

/** Σ item nets − receipt discount + receipt markup. */
export function receiptTotal(receipt: Pick<Receipt, 'items' | 'discount' | 'markup'>): number {
  return receipt.items.reduce((acc, item) => acc + itemNet(item), 0) - receipt.discount + receipt.markup;
}

export const paymentsTotal = (payments: readonly Payment[]): number =>
  payments.reduce((acc, payment) => acc + payment.amount, 0);

/**
 * Change due: only cash may exceed what is owed (the cash core's rule and the iKKM's: card,
 * tara and credit may not exceed the total).
 */
export function changeDue(receipt: Pick<Receipt, 'payments' | 'total'>): number {
  return Math.max(0, paymentsTotal(receipt.payments) - receipt.total);
}
