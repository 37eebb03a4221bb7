import { z } from 'zod';
import { COMMAND_TYPES, type CommandType } from './commands';
import { paymentKindSchema, receiptOperationSchema } from './receipt';
import { registerKindSchema } from './results';

/** What a register kind can do; the cloud refuses early what the register cannot. */
export const registerCapabilitiesSchema = z.object({
  kind: registerKindSchema,
  currency: z.enum(['KZT', 'RUB']),
  commands: z.array(z.enum(COMMAND_TYPES as [CommandType, ...CommandType[]])),
  receiptOperations: z.array(receiptOperationSchema),
  paymentKinds: z.array(paymentKindSchema),
  /**
   * Payment kinds a return (saleReturn, buyReturn) may use, when narrower than `paymentKinds`
   * (iKKM: cash only — seed 002 "При возврате … значение cash должно быть равно сумме чека").
   * Absent: the same as `paymentKinds`.
   */
  returnPaymentKinds: z.array(paymentKindSchema).optional(),
  /** Most positions the register keeps per receipt (iKKM: 79 in itemdata, then one summary line). */
  maxItemsDetailed: z.number().int().positive().optional(),
  /** The shift opens by itself with the first document (no explicit open call exists). */
  shiftOpensWithFirstDocument: z.boolean(),
  receiptImages: z.boolean(),
  operatorSync: z.enum(['readWrite', 'readOnly']),
});
export type RegisterCapabilities = z.infer<typeof registerCapabilitiesSchema>;
