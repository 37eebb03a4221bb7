import { z } from 'zod';
import { canonicalCommandSchema } from '../canonical/commands';
import { commandOutcomeSchema, registerHealthSchema, registerKindSchema } from '../canonical/results';
import { describeUnstorable, findUnstorableString } from '../input/json-guard';
import { describeIssues } from '../ws/ws-parse';

export const ENVELOPE_VERSION = 1;
const version = z.literal(ENVELOPE_VERSION);
const isoTime = z.iso.datetime({ offset: true });

/** Who asked: a POS client over WS or /sale, an admin from the office, or the system itself. */
export const commandOriginSchema = z.object({
  channel: z.enum(['ws', 'sale', 'socketio', 'admin', 'system']),
  actor: z.string().optional(),
});

/**
 * cloud → agent. `id` is the idempotency key: the agent executes a given id at most once and
 * answers repeats from its journal. Past `deadline` the agent does not start it.
 */
export const commandEnvelopeSchema = z.object({
  v: version,
  id: z
    .string()
    .min(8)
    .max(128)
    .regex(/^[A-Za-z0-9:._|-]+$/, 'id: letters, digits and :._|- only'),
  registerId: z.string().min(1).max(64),
  issuedAt: isoTime,
  deadline: isoTime,
  origin: commandOriginSchema.optional(),
  command: canonicalCommandSchema,
});
export type CommandEnvelope = z.infer<typeof commandEnvelopeSchema>;
export type CommandEnvelopeInput = z.input<typeof commandEnvelopeSchema>;

/** Final states of a command as the agent reports them. */
export const resultStatusSchema = z.enum([
  'done',
  /** The device refused it or failed (error carries device code and text). */
  'failed',
  /** The envelope itself was invalid; nothing reached the device. */
  'rejected',
  /** The deadline passed before execution could start; nothing reached the device. */
  'expired',
]);
export type ResultStatus = z.infer<typeof resultStatusSchema>;

/** One thing learned while reconciling a command in doubt, as the agent wrote it down. */
export const doubtEvidenceSchema = z.object({ at: isoTime, text: z.string().max(1000) });
export type DoubtEvidence = z.infer<typeof doubtEvidenceSchema>;

/**
 * What an operator has to do before a command in doubt can be settled: `deviceKey` — the iKKM no
 * longer accepts the stored web-api key, enter the device's current key; `operator` — the device
 * cannot tell (any more), a person decides from the register's paper and the OFD.
 */
export const doubtNeedsSchema = z.enum(['deviceKey', 'operator']);
export type DoubtNeeds = z.infer<typeof doubtNeedsSchema>;

/**
 * A command in doubt on the agent: a fiscal call was sent and it is not proven whether it took
 * effect. Not a result: the command is still alive and the agent keeps reconciling it.
 */
export const commandInDoubtSchema = z.object({
  commandId: z.string(),
  registerId: z.string(),
  type: z.string(),
  since: isoTime,
  attempts: z.number().int().nonnegative(),
  /** The latest evidence first, at most 20 lines. */
  evidence: z.array(doubtEvidenceSchema).max(20),
  /** What an operator must do before the device can settle it (`deviceKey`), or decide (`operator`). */
  needs: doubtNeedsSchema.optional(),
});
export type CommandInDoubt = z.infer<typeof commandInDoubtSchema>;

/** agent → cloud. One per command id (re-sent identically on duplicates and after reconnects). */
export const resultEnvelopeSchema = z.object({
  v: version,
  commandId: z.string(),
  agentId: z.string(),
  registerId: z.string(),
  status: resultStatusSchema,
  outcome: commandOutcomeSchema,
  receivedAt: isoTime,
  completedAt: isoTime,
  /** Time spent talking to the device, milliseconds. */
  deviceMs: z.number().nonnegative().optional(),
  /** The result was recovered after a crash or lost answer rather than observed live. */
  reconciled: z.boolean().optional(),
  /** What reconciliation learned on the way, when the command was in doubt. */
  evidence: z.array(doubtEvidenceSchema).max(20).optional(),
  /** Settled by an operator's `command.resolve`, not by the device. */
  resolvedBy: z.literal('operator').optional(),
});
export type ResultEnvelope = z.infer<typeof resultEnvelopeSchema>;

/**
 * Which MQTT connection of the agent a presence or heartbeat belongs to: a random id per connection,
 * carried by its online presence, its last will, its goodbye and its heartbeats. A message of a link
 * the cloud already knows dead (it may be handled after the `offline`: another writer, another cloud
 * instance) is then told apart from one of a newer link, whatever the agent's clock says. Absent
 * from older agents.
 */
export const linkIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/** Retained on `presence`; the broker publishes the `offline` one as the agent's last will. */
export const presenceEnvelopeSchema = z.object({
  v: version,
  agentId: z.string(),
  state: z.enum(['online', 'offline']),
  at: isoTime,
  agentVersion: z.string().optional(),
  link: linkIdSchema.optional(),
});
export type PresenceEnvelope = z.infer<typeof presenceEnvelopeSchema>;

export const agentAlertSchema = z.object({
  kind: z.enum([
    'journalBacklog',
    'journalBytes',
    'journalAge',
    'registerUnreachable',
    'config',
    'commandInDoubt',
    'journalWrite',
  ]),
  message: z.string(),
});

export const heartbeatEnvelopeSchema = z.object({
  v: version,
  agentId: z.string(),
  sentAt: isoTime,
  /** The link this heartbeat goes out on (`linkIdSchema`). */
  link: linkIdSchema.optional(),
  agentVersion: z.string(),
  uptimeSec: z.number().nonnegative(),
  /** Journal entries not yet acknowledged by the broker. */
  journalDepth: z.number().int().nonnegative(),
  registers: z.array(
    z.object({
      registerId: z.string(),
      kind: registerKindSchema,
      health: registerHealthSchema,
    }),
  ),
  alerts: z.array(agentAlertSchema).default([]),
  /** Commands in doubt right now (fiscal call sent, outcome not proven): the cloud shows them. */
  inDoubt: z.array(commandInDoubtSchema).max(1000).default([]),
});
export type HeartbeatEnvelope = z.infer<typeof heartbeatEnvelopeSchema>;

export const eventEnvelopeSchema = z.object({
  v: version,
  agentId: z.string(),
  at: isoTime,
  registerId: z.string().optional(),
  kind: z.enum(['register.state', 'register.info', 'alert', 'log']),
  data: z.unknown(),
});
export type EventEnvelope = z.infer<typeof eventEnvelopeSchema>;

export type EnvelopeParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Parses an MQTT payload with one of the envelope schemas; never throws. */
export function parseEnvelope<T>(schema: z.ZodType<T>, payload: Buffer | string): EnvelopeParseResult<T> {
  let json: unknown;
  try {
    json = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  } catch {
    return { ok: false, reason: 'payload is not JSON' };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: describeIssues(parsed.error) };
  // What PostgreSQL cannot store (a NUL, a lone surrogate) must not get as far as a query: a result
  // whose write can never succeed would otherwise be retried for ever, holding every message behind it.
  const unstorable = findUnstorableString(parsed.data);
  if (unstorable) return { ok: false, reason: describeUnstorable(unstorable, 'en') };
  return { ok: true, value: parsed.data };
}

/** Best-effort read of a command id from a payload that failed validation, to answer "rejected". */
export function peekCommandId(payload: Buffer | string): { id?: string; registerId?: string } {
  try {
    const json = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8')) as Record<
      string,
      unknown
    >;
    return {
      ...(typeof json['id'] === 'string' ? { id: json['id'] } : {}),
      ...(typeof json['registerId'] === 'string' ? { registerId: json['registerId'] } : {}),
    };
  } catch {
    return {};
  }
}
