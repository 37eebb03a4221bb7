import { z } from 'zod';
import { registerDeviceSchema, taxTableSchema } from '../../registers/register-config';

const id = z.string().min(1).max(64);
const registerName = z.string().trim().min(1).max(100);
const currency = z.enum(['KZT', 'RUB']);

export const listRegistersSchema = z.object({
  storeId: id.optional(),
  state: z
    .enum(['online', 'offline', 'shiftOpen', 'warning'])
    .optional()
    .describe(
      'online/offline: whether the store agent is connected; shiftOpen: the register reports an open shift; warning: the register reports a warning or an error',
    ),
});

export const createRegisterSchema = z.object({
  storeId: id,
  name: registerName,
  currency: currency.optional(),
  agentId: id.optional(),
  device: registerDeviceSchema,
  taxTable: taxTableSchema,
});

const [ikkmDevice, cashCoreDevice] = registerDeviceSchema.options;

/** A changed device may leave its secret out: the stored initial key / access code is kept. */
export const deviceChangeSchema = z.discriminatedUnion('kind', [
  ikkmDevice.partial({ initialKey: true }),
  cashCoreDevice.partial({ accessCode: true }),
]);

export const updateRegisterSchema = z
  .object({
    name: registerName.optional(),
    currency: currency.optional(),
    /** null unbinds the register from its agent. */
    agentId: id.nullable().optional(),
    device: deviceChangeSchema.optional(),
    taxTable: taxTableSchema.optional(),
  })
  .refine((body) => Object.values(body).some((v) => v !== undefined), 'nothing to change');

const cashier = z.string().trim().min(1).max(100).optional();
const amount = z
  .number()
  .int('amount is an integer of minor units (tiyn / kopecks)')
  .positive()
  .max(100_000_000_000);

/** What the office may run on a register. */
export const registerCommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('report.x') }),
  z.object({ type: z.literal('shift.open'), cashier }),
  z.object({ type: z.literal('shift.close'), cashier }),
  z.object({ type: z.literal('cash.in'), amount, cashier }),
  z.object({ type: z.literal('cash.out'), amount, cashier }),
  z.object({ type: z.literal('register.info') }),
]);
export type RegisterCommand = z.infer<typeof registerCommandSchema>;
