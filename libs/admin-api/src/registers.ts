import {
  commandResultSchema,
  deviceWarningSchema,
  operatorRoleSchema,
  registerDeviceSchema,
  taxTableSchema,
} from '@kassa-relay/protocol';
import { z } from 'zod';
import {
  apiError,
  currency,
  documentStatus,
  id,
  isoDateTime,
  registerKind,
  route,
  someChange,
} from './contract';
import { shiftView } from './shifts';

const registerName = z.string().trim().min(1).max(100);

export const listRegistersQuery = z.object({
  storeId: id.optional(),
  state: z
    .enum(['online', 'offline', 'shiftOpen', 'warning'])
    .optional()
    .describe(
      'online/offline: whether the store agent is connected; shiftOpen: the register reports an open shift; warning: the register reports a warning or an error',
    ),
});

/** The device and its tax table are the protocol's own schema: what the admin enters reaches the agent as is. */
export const createRegisterBody = z.object({
  storeId: id,
  name: registerName,
  currency: currency.optional(),
  agentId: id.optional(),
  device: registerDeviceSchema,
  /** Left out or empty: the default for the register's kind and country. */
  taxTable: taxTableSchema.default([]),
});

const [ikkmDevice, cashCoreDevice] = registerDeviceSchema.options;

/** A changed device may leave its secret out: the stored initial key / access code is kept. */
export const deviceChangeBody = z.discriminatedUnion('kind', [
  ikkmDevice.partial({ initialKey: true }),
  cashCoreDevice.partial({ accessCode: true }),
]);

export const updateRegisterBody = z
  .object({
    name: registerName.optional(),
    currency: currency.optional(),
    /** null unbinds the register from its agent. */
    agentId: id.nullable().optional(),
    device: deviceChangeBody.optional(),
    taxTable: taxTableSchema.optional(),
  })
  .refine(someChange, 'nothing to change');

const cashier = z.string().trim().min(1).max(100).optional();
const amount = z
  .number()
  .int('amount is an integer of minor units (tiyn / kopecks)')
  .positive()
  .max(100_000_000_000);

/** What the office may run on a register. */
export const registerCommandBody = z.discriminatedUnion('type', [
  z.object({ type: z.literal('report.x') }),
  z.object({ type: z.literal('shift.open'), cashier }),
  z.object({ type: z.literal('shift.close'), cashier }),
  z.object({ type: z.literal('cash.in'), amount, cashier }),
  z.object({ type: z.literal('cash.out'), amount, cashier }),
  z.object({ type: z.literal('register.info') }),
]);
export type RegisterCommand = z.output<typeof registerCommandBody>;
export type RegisterCommandType = RegisterCommand['type'];

/**
 * What the register last reported (heartbeats, register.info). Null: not reported yet. Also the
 * payload of the live event `register.state`.
 */
export const registerStateView = z.object({
  reachable: z.boolean().nullable(),
  shiftOpen: z.boolean().nullable(),
  shiftNumber: z.number().int().nullable(),
  shiftOpenedAt: isoDateTime.nullable(),
  cashBalance: z.number().int().nullable(),
  /** Documents the register has not delivered to the OFD yet. */
  offlineQueue: z.number().int(),
  /** The agent's own ISO text, kept in a JSON column (not a date of the cloud's). */
  offlineSince: z.string().nullable(),
  warnings: z.array(deviceWarningSchema),
  lastError: apiError.nullable(),
  /** When the cloud last wrote the state; null for a register never heard from. */
  updatedAt: isoDateTime.nullable(),
});
export type RegisterState = z.input<typeof registerStateView>;

/** Done sales and returns since midnight in the store's time zone, in minor units. */
export const registerTodayView = z.object({
  salesSum: z.number().int(),
  salesCount: z.number().int(),
  returnsSum: z.number().int(),
  returnsCount: z.number().int(),
});
export type RegisterToday = z.input<typeof registerTodayView>;

/** The register's newest document with a fiscal effect (reads the cloud sends itself are left out). */
export const lastDocumentView = z.object({
  id,
  /** The command type: receipt, shift.close, report.x, cash.in, … */
  kind: z.string(),
  /** A receipt's operation (sale, saleReturn, buy, buyReturn); null for other commands. */
  operation: z.string().nullable(),
  status: documentStatus,
  total: z.number().int().nullable(),
  fiscalId: z.string().nullable(),
  requestedAt: isoDateTime,
});
export type LastDocument = z.input<typeof lastDocumentView>;

export const registerView = z.object({
  id,
  storeId: id,
  storeName: z.string(),
  agentId: id.nullable(),
  /** Whether the store agent is connected now. */
  agentOnline: z.boolean(),
  kind: registerKind,
  name: z.string(),
  currency,
  /** Identity the register reported (register.info); null until it has. */
  serialNumber: z.string().nullable(),
  registrationNumber: z.string().nullable(),
  inn: z.string().nullable(),
  state: registerStateView,
  today: registerTodayView,
  lastDocument: lastDocumentView.nullable(),
  /** Documents of this register in doubt right now (a fiscal call sent, its outcome not proven). */
  inDoubt: z.number().int(),
});
export type RegisterView = z.input<typeof registerView>;

/*
 * The stored settings shown again. Plain types rather than the entry limits: these were checked
 * when they were entered, and an answer must not fail on a register stored under older limits.
 */
const deviceUrlView = z
  .string()
  .describe('a password written into the URL (http://user:password@host) is shown as ***');

/** How the agent reaches the device; the initial key / access code is never shown. */
export const registerDeviceView = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('ikkm'),
    url: deviceUrlView,
    inn: z.string().optional(),
    utcOffsetMinutes: z.number().int().optional(),
    minRequestIntervalMs: z.number().int().optional(),
    acceptsDecimals: z.boolean().optional(),
  }),
  z.object({
    kind: z.literal('cash-core'),
    url: deviceUrlView,
    kkmOfdId: z.number().int(),
    processingWindowMs: z.number().int().optional(),
  }),
]);
export type RegisterDeviceView = z.input<typeof registerDeviceView>;

export const taxTableEntryView = z.object({
  percent: z.number(),
  name: z.string().optional(),
  registerCode: z.string().optional(),
  exempt: z.boolean().optional(),
});
/** A row of a register's tax table as the admin API shows it (not the protocol's `TaxTableEntry`, in thousandths). */
export type TaxTableEntry = z.input<typeof taxTableEntryView>;

/**
 * One register with its settings. `device` and `taxTable` are always there (the cloud builds both
 * for every register; an empty stored table shows as the default POS requests are converted with).
 */
export const registerDetails = registerView.extend({
  device: registerDeviceView,
  taxTable: z.array(taxTableEntryView),
});
export type RegisterDetails = z.input<typeof registerDetails>;

/** The register's answer to an office command, without the receipt picture. */
export const commandAnswer = z.object({
  /** The fiscal document the command became. */
  documentId: id,
  /** `inDoubt`: sent to the register and not proven either way; see the document (an admin may resolve it). */
  status: documentStatus,
  /** With `done`. */
  result: commandResultSchema.omit({ image: true }).optional(),
  /** With `failed`. */
  error: apiError.optional(),
});
export type CommandAnswer = z.input<typeof commandAnswer>;

/** An operator as the device itself lists it; `code` null when the device gives none. */
export const deviceOperatorView = z.object({
  code: z.number().int().nullable(),
  name: z.string(),
  role: operatorRoleSchema,
});
export type DeviceOperator = z.input<typeof deviceOperatorView>;

export const registerRoutes = {
  list: route({
    method: 'GET',
    path: '/api/registers',
    tag: 'registers',
    summary: 'Registers with live state, today’s sales and the last document',
    query: listRegistersQuery,
    response: z.array(registerView),
  }),
  get: route({
    method: 'GET',
    path: '/api/registers/:id',
    tag: 'registers',
    summary: 'One register with its device settings (never a secret) and tax table',
    response: registerDetails,
  }),
  create: route({
    method: 'POST',
    path: '/api/registers',
    tag: 'registers',
    summary: 'Add a register (iKKM or cash core); its secret is stored encrypted',
    adminOnly: true,
    body: createRegisterBody,
    response: registerView,
  }),
  update: route({
    method: 'PATCH',
    path: '/api/registers/:id',
    tag: 'registers',
    summary: 'Change a register; a changed device may leave out its initial key / access code to keep it',
    adminOnly: true,
    body: updateRegisterBody,
    response: registerView,
  }),
  command: route({
    method: 'POST',
    path: '/api/registers/:id/commands',
    tag: 'registers',
    summary: 'Run an X report, open/close (Z) a shift, cash in/out or register.info; 409 AGENT_OFFLINE',
    adminOnly: true,
    body: registerCommandBody,
    response: commandAnswer,
    status: 200,
  }),
  shifts: route({
    method: 'GET',
    path: '/api/registers/:id/shifts',
    tag: 'registers',
    summary: "The register's shifts with counters and Z reports, newest first",
    response: z.array(shiftView),
  }),
  deviceOperators: route({
    method: 'GET',
    path: '/api/registers/:id/device-operators',
    tag: 'registers',
    summary: 'The operators the device itself lists (asks the register: operators.list)',
    response: z.array(deviceOperatorView),
  }),
};
