import { z } from 'zod';
import { sealedConfigSchema } from './config-seal';
import { AGENT_ID_PATTERN } from './topics';

const taxTableSchema = z
  .array(
    z.object({
      /** Percent as written by people (12, 0, 16.5); converted to thousandths once, by the agent. */
      percent: z.number().min(0).max(100),
      name: z.string().optional(),
      /** The register's own tax code (iKKM `tax` parameter). */
      registerCode: z.string().optional(),
    }),
  )
  .default([]);

const registerBase = {
  /** The cloud's id for this register; commands name it. */
  id: z.string().min(1).max(64),
  url: z.url({ protocol: /^https?$/ }),
  taxTable: taxTableSchema,
  timeoutMs: z.number().int().positive().optional(),
};

/**
 * How an agent reaches one register on the store LAN: the `registers[]` entries of its config
 * file, of the enrollment answer and of the cloud's `config` message.
 */
export const registerSetupSchema = z.discriminatedUnion('kind', [
  z.object({
    ...registerBase,
    kind: z.literal('ikkm'),
    /** The web-api key set on the device; afterwards the agent keeps the rotating key itself. */
    initialKey: z.string().regex(/^\d+$/, 'the iKKM web-api key is a number'),
    inn: z.string().optional(),
    minRequestIntervalMs: z.number().int().nonnegative().optional(),
    /** The device's clock zone (it reports local time without one); Kazakhstan: UTC+5 = 300. */
    utcOffsetMinutes: z.number().int().min(-720).max(840).default(300),
    /**
     * Seed 002 (code -9) allows digits only: amounts go in whole tenge and one with tiyn is refused
     * before it is sent. Set when this device is known to accept decimal amounts.
     */
    acceptsDecimals: z.boolean().optional(),
  }),
  z.object({
    ...registerBase,
    kind: z.literal('cash-core'),
    /** PIN or token sent in `Authorization`. */
    accessCode: z.string().min(1),
    kkmOfdId: z.number().int().positive(),
    /**
     * How long a fiscal call whose answer was lost may still be running on the core: no "not
     * done" verdict before it has passed (the driver's default when absent).
     */
    processingWindowMs: z.number().int().positive().optional(),
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
