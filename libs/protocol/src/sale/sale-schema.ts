import { z } from 'zod';

/**
 * Seed 001 `POST /sale` (SmartOne Cashbox style). Amounts are integer kopecks/tiyn, `itemQty`
 * is quantity × 1000, `taxPrc` is percent × 100, `calcType` 1 in-price (default), 2 fixed,
 * 3 simplified. `docTime` is `yyyy-MM-dd hh:mm:ss`.
 */
const kopecks = z.number().int().nonnegative();
const optionalKopecks = kopecks.nullish();

export const saleItemTaxSchema = z.object({
  taxName: z.string().optional(),
  taxPrc: z.number().int().min(0).max(10_000),
  calcType: z.union([z.literal(1), z.literal(2), z.literal(3)]).default(1),
});

export const saleItemSchema = z.object({
  itemId: z.string().optional(),
  itemName: z.string().trim().min(1),
  itemAttr: z.number().int().nullish(),
  itemQRCode: z.string().nullish(),
  itemQty: z.number().int().positive(),
  itemAmount: kopecks,
  discount: optionalKopecks,
  itemTaxes: z.array(saleItemTaxSchema).nullish(),
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

export const SALE_DOC_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

export const saleRequestSchema = z.object({
  docTime: z.string().regex(SALE_DOC_TIME, 'docTime must be yyyy-MM-dd hh:mm:ss').nullish(),
  docNumber: z.string().trim().min(1),
  wsName: z.string().nullish(),
  departmentName: z.string().nullish(),
  employeeName: z.string().trim().min(1),
  amount: kopecks,
  currency: z.string().nullish(),
  items: z.array(saleItemSchema).min(1),
  payments: salePaymentsSchema.nullish(),
  fiscalID: z.string().nullish(),
  printFooter: z.string().nullish(),
});
export type SaleRequest = z.infer<typeof saleRequestSchema>;
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
