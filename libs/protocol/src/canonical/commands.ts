import { z } from 'zod';
import { receiptSchema } from './receipt';

const minor = z.number().int().refine(Number.isSafeInteger, 'must be a safe integer');
const positiveMinor = minor.refine((v) => v > 0, 'must be positive');

export const openShiftSchema = z.object({ type: z.literal('shift.open'), cashier: z.string().optional() });
/** Closes the shift and prints its Z report. */
export const closeShiftSchema = z.object({ type: z.literal('shift.close'), cashier: z.string().optional() });
/** Emergency close (seed 000 `force_close_shift`): close whatever shift is open, whoever opened it. */
export const forceCloseShiftSchema = z.object({ type: z.literal('shift.forceClose') });
export const cancelPaymentSchema = z.object({
  type: z.literal('payment.cancel'),
  rrn: z.string().min(1),
  amount: positiveMinor,
});
export const cashInSchema = z.object({
  type: z.literal('cash.in'),
  amount: positiveMinor,
  cashier: z.string().optional(),
});
export const cashOutSchema = z.object({
  type: z.literal('cash.out'),
  amount: positiveMinor,
  cashier: z.string().optional(),
});
export const xReportSchema = z.object({ type: z.literal('report.x') });
/** The Z report of the last closed shift (seed 000 `z_report`): a read, no fiscal effect. */
export const lastZReportSchema = z.object({ type: z.literal('report.z') });
export const registerInfoSchema = z.object({ type: z.literal('register.info') });

export const operatorRoleSchema = z.enum(['administrator', 'seniorCashier', 'cashier']);
export type OperatorRole = z.infer<typeof operatorRoleSchema>;

export const operatorSchema = z.object({
  /** The register's own operator code, when the operator already exists there. */
  code: z.number().int().optional(),
  name: z.string().min(1),
  role: operatorRoleSchema,
  /** Needed in clear by the cash core; never stored in clear in the cloud. */
  pin: z
    .string()
    .regex(/^\d{4,8}$/, 'PIN is 4–8 digits')
    .optional(),
});
export type Operator = z.infer<typeof operatorSchema>;

/** Brings the register's operators to the given list (upsert) and deletes the codes listed. */
export const syncOperatorsSchema = z.object({
  type: z.literal('operators.sync'),
  upsert: z.array(operatorSchema).default([]),
  delete: z.array(z.number().int()).default([]),
});
export const listOperatorsSchema = z.object({ type: z.literal('operators.list') });

/** Which document: by the register's shift + number in shift, by fiscal id, or the last one. */
export const documentRefSchema = z.union([
  z.object({ shiftNumber: z.number().int().positive(), documentNumber: z.number().int().positive() }),
  z.object({ fiscalId: z.string().min(1) }),
  z.object({ last: z.literal(true) }),
]);
export type DocumentRef = z.infer<typeof documentRefSchema>;

export const receiptImageSchema = z.object({
  type: z.literal('receipt.image'),
  document: documentRefSchema,
  widthPx: z.number().int().min(100).max(2000).optional(),
});
export const reprintSchema = z.object({
  type: z.literal('receipt.reprint'),
  document: documentRefSchema,
});

/**
 * An operator's decision on a command in doubt, for when the device can never tell: the agent
 * settles that command with it (and stops reconciling it) without calling the register.
 */
export const resolveCommandSchema = z.object({
  type: z.literal('command.resolve'),
  commandId: z.string().min(8).max(128),
  /** `done`: the register did make the document; `notDone`: it did not. */
  decision: z.enum(['done', 'notDone']),
  fiscalId: z.string().min(1).max(64).optional(),
  note: z.string().max(500).optional(),
});

export const canonicalCommandSchema = z.discriminatedUnion('type', [
  openShiftSchema,
  closeShiftSchema,
  forceCloseShiftSchema,
  receiptSchema,
  cancelPaymentSchema,
  cashInSchema,
  cashOutSchema,
  xReportSchema,
  lastZReportSchema,
  registerInfoSchema,
  syncOperatorsSchema,
  listOperatorsSchema,
  receiptImageSchema,
  reprintSchema,
  resolveCommandSchema,
]);
export type CanonicalCommand = z.infer<typeof canonicalCommandSchema>;
export type CanonicalCommandInput = z.input<typeof canonicalCommandSchema>;
export type CommandType = CanonicalCommand['type'];
export type CommandOf<T extends CommandType> = Extract<CanonicalCommand, { type: T }>;

export const COMMAND_TYPES = canonicalCommandSchema.options.map(
  (option) => option.shape.type.value,
) as CommandType[];

/**
 * Commands that change fiscal state on the device. They are the ones that must execute exactly
 * once and be reconciled after a crash; the others are reads that can simply be asked again.
 */
export const FISCAL_COMMAND_TYPES: ReadonlySet<CommandType> = new Set<CommandType>([
  'shift.open',
  'shift.close',
  'shift.forceClose',
  'receipt',
  'payment.cancel',
  'cash.in',
  'cash.out',
  'report.x',
  'operators.sync',
  'receipt.reprint',
]);

export const isFiscalCommand = (command: Pick<CanonicalCommand, 'type'>): boolean =>
  FISCAL_COMMAND_TYPES.has(command.type);
