import { z } from 'zod';
import {
  cashCoreAccessCodeSchema,
  cashCoreDeviceFields,
  ikkmDeviceFields,
  ikkmInitialKeySchema,
  taxTableSchema,
} from '../register/register-config';
import { sealedConfigSchema } from './config-seal';
import { AGENT_ID_PATTERN } from './topics';

const registerBase = {
  /** The cloud's id for this register; commands name it. */
  id: z.string().min(1).max(64),
  /** Percent as written by people; converted to thousandths once (`taxTableEntries`). */
  taxTable: taxTableSchema.default([]),
  /** Tuned by hand in the agent's file (the cloud never sends it). */
  timeoutMs: z.number().int().positive().optional(),
};

/**
 * How an agent reaches one register on the store LAN: the `registers[]` entries of its config
 * file, of the enrollment answer and of the cloud's `config` message. The device fields are the
 * admin's (register-config.ts), so whatever the cloud accepted the agent accepts.
 */
export const registerSetupSchema = z.discriminatedUnion('kind', [
  z.object({
    ...registerBase,
    ...ikkmDeviceFields,
    initialKey: ikkmInitialKeySchema,
    utcOffsetMinutes: ikkmDeviceFields.utcOffsetMinutes.unwrap().default(300),
  }),
  z.object({
    ...registerBase,
    ...cashCoreDeviceFields,
    accessCode: cashCoreAccessCodeSchema,
  }),
]);
export type RegisterSetup = z.infer<typeof registerSetupSchema>;
export type RegisterSetupInput = z.input<typeof registerSetupSchema>;

export const registerSetupListSchema = z
  .array(registerSetupSchema)
  .refine((list) => new Set(list.map((r) => r.id)).size === list.length, 'register ids must be unique');

/**
 * cloud → agent, retained on `config`: every register bound to the agent, whole (not a change).
 * Sent when an admin adds, changes, rebinds or removes one, and again whenever the agent comes
 * online; the agent applies it between commands and keeps it in its journal. The list carries
 * device secrets, so the cloud sends it `sealed` (config-seal.ts); `registers` in clear is for a
 * cloud talking to an agent enrolled before sealing existed.
 */
export const agentConfigEnvelopeSchema = z
  .object({
    v: z.literal(1),
    agentId: z.string().regex(AGENT_ID_PATTERN),
    issuedAt: z.iso.datetime({ offset: true }),
    registers: registerSetupListSchema.optional(),
    sealed: sealedConfigSchema.optional(),
  })
  .refine((envelope) => (envelope.registers === undefined) !== (envelope.sealed === undefined), {
    message: 'exactly one of registers and sealed',
  });
export type AgentConfigEnvelope = z.infer<typeof agentConfigEnvelopeSchema>;
export type AgentConfigEnvelopeInput = z.input<typeof agentConfigEnvelopeSchema>;
