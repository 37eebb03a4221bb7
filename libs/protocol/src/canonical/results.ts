import { z } from 'zod';
import { canonicalErrorSchema } from '../errors/canonical-error';
import { COMMAND_TYPES, type CommandType, operatorSchema } from './commands';

const minor = z.number().int();

export const registerKindSchema = z.enum(['ikkm', 'cash-core']);
export type RegisterKind = z.infer<typeof registerKindSchema>;

/**
 * Shift counters as seed 000 answers them (close_shift, z_report), in minor units. The optional
 * ones are left out when the register does not give them or they could not be read (iKKM: no
 * discount, markup or annulled sums at all; progressive totals only from a shift report): absent
 * means unknown, never 0. The WS answer then leaves the field out (docs/protocol-mapping.md).
 */
export const shiftCountersSchema = z.object({
  cashBalance: minor,
  progressiveTotalSales: minor.optional(),
  progressiveTotalReturns: minor.optional(),
  discountSumSales: minor.optional(),
  markupSumSales: minor.optional(),
  discountSumReturns: minor.optional(),
  markupSumReturns: minor.optional(),
  countSales: z.number().int(),
  sumSales: minor,
  countReturns: z.number().int(),
  sumReturns: minor,
  countInsert: z.number().int(),
  sumInsert: minor,
  countRemove: z.number().int(),
  sumRemove: minor,
  sumCanceled: minor.optional(),
});
export type ShiftCounters = z.infer<typeof shiftCountersSchema>;

/** The counters every source gives, at zero; the optional (maybe unknown) ones are left out. */
export const emptyShiftCounters = (): ShiftCounters => ({
  cashBalance: 0,
  countSales: 0,
  sumSales: 0,
  countReturns: 0,
  sumReturns: 0,
  countInsert: 0,
  sumInsert: 0,
  countRemove: 0,
  sumRemove: 0,
});

export const shiftStateSchema = z.object({
  number: z.number().int().nonnegative(),
  open: z.boolean(),
  openedAt: z.string().optional(),
  closedAt: z.string().optional(),
  cashier: z.string().optional(),
});
export type ShiftState = z.infer<typeof shiftStateSchema>;

/** What the register says about itself: identity for receipts and the WS answers' fn_number/inn. */
export const registerIdentitySchema = z.object({
  kind: registerKindSchema,
  /** Factory serial number (iKKM `factorySerialNumber`, cash core `serial_number`): WS `fn_number`. */
  serialNumber: z.string(),
  /** Registration number at the tax service (cash core `fns_kkm_id`), when known. */
  registrationNumber: z.string().optional(),
  /** Taxpayer IIN/BIN (WS `inn`). */
  inn: z.string().optional(),
  organization: z.string().optional(),
  registerName: z.string().optional(),
  currency: z.enum(['KZT', 'RUB']),
  softwareVersion: z.string().optional(),
});
export type RegisterIdentity = z.infer<typeof registerIdentitySchema>;

export const deviceWarningSchema = z.enum([
  'paperOut',
  'lowBattery',
  'ofdBlocked',
  'offlineQueue',
  'offlineTooLong',
  'shiftNearLimit',
  'shiftTooLong',
  'licenseProblem',
]);
export type DeviceWarning = z.infer<typeof deviceWarningSchema>;

/** Live health of one register, as the agent's heartbeat reports it. */
export const registerHealthSchema = z.object({
  reachable: z.boolean(),
  checkedAt: z.string(),
  shift: shiftStateSchema.optional(),
  /** Hours left before the 24 h shift limit, when a shift is open. */
  shiftHoursLeft: z.number().optional(),
  cashBalance: minor.optional(),
  /** Documents not yet delivered to the OFD, and since when the register is offline. */
  offlineQueue: z.number().int().nonnegative().default(0),
  offlineSince: z.string().optional(),
  warnings: z.array(deviceWarningSchema).default([]),
  lastError: canonicalErrorSchema.optional(),
  identity: registerIdentitySchema.optional(),
});
export type RegisterHealth = z.infer<typeof registerHealthSchema>;

/**
 * What a command produced. One shape for all commands: each fills the fields that apply
 * (a receipt: fiscal id, numbers, QR; a Z report: counters; register.info: identity and health).
 */
export const commandResultSchema = z.object({
  type: z.enum(COMMAND_TYPES as [CommandType, ...CommandType[]]),
  fiscalId: z.string().optional(),
  checkNumber: z.number().int().optional(),
  /** Document number in the shift (cash core `shift_document_number`) or the register's own. */
  documentNumber: z.number().int().optional(),
  shiftNumber: z.number().int().optional(),
  qrPayload: z.string().optional(),
  total: minor.optional(),
  change: minor.optional(),
  cashier: z.string().optional(),
  rrn: z.string().optional(),
  /** The document was stored in the register's offline queue, not yet accepted by the OFD. */
  offline: z.boolean().optional(),
  shift: shiftStateSchema.optional(),
  counters: shiftCountersSchema.optional(),
  identity: registerIdentitySchema.optional(),
  health: registerHealthSchema.optional(),
  operators: z.array(operatorSchema).optional(),
  image: z.object({ contentType: z.literal('image/png'), base64: z.string() }).optional(),
  /** True when the device had already done it (a repeat answered from its memory, or reconciled). */
  replayed: z.boolean().optional(),
  /** The device's own answer, kept verbatim for the fiscal document record. */
  raw: z.unknown().optional(),
});
export type CommandResult = z.infer<typeof commandResultSchema>;

export const commandOutcomeSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), result: commandResultSchema }),
  z.object({ ok: z.literal(false), error: canonicalErrorSchema }),
]);
export type CommandOutcome = z.infer<typeof commandOutcomeSchema>;
