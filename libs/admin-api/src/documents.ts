import { z } from 'zod';
import {
  canonicalErrorSchema,
  doubtNeedsSchema,
  paymentSchema,
  receiptItemSchema,
  receiptTaxSchema,
  shiftCountersSchema,
  taxCalcTypeSchema,
} from '@kassa-relay/protocol';
import { currency, documentStatus, id, isoDateTime, pageOf, pageQuery, route } from './contract';
import { instantSchema } from './time';

/** `unknown` is what `inDoubt` was called before; a filter with it still works. */
const documentStatusFilter = z
  .enum([...documentStatus.options, 'unknown'])
  .transform((status): z.infer<typeof documentStatus> => (status === 'unknown' ? 'inDoubt' : status));

/** One value or several, comma-separated (`status=failed,inDoubt`). */
const oneOrMore = <T extends z.ZodType<string, string>>(value: T) =>
  z
    .string()
    .max(500)
    .transform((text) => text.split(',').map((part) => part.trim()))
    .pipe(z.array(value).min(1));

const minorFilter = z.coerce.number().int().refine(Number.isSafeInteger, 'must be a safe integer');

export const listDocumentsQuery = pageQuery.extend({
  storeId: id.optional(),
  registerId: id.optional(),
  from: instantSchema.optional().describe('requested at or after (ISO 8601)'),
  to: instantSchema.optional().describe('requested before (ISO 8601)'),
  kind: oneOrMore(z.string().min(1).max(40))
    .optional()
    .describe('command type: receipt, shift.close, report.x, cash.in, … (comma-separated for several)'),
  operation: oneOrMore(z.string().min(1).max(40))
    .optional()
    .describe('receipt operation: sale, saleReturn, buy, buyReturn (comma-separated for several)'),
  status: oneOrMore(documentStatusFilter)
    .optional()
    .describe('pending, done, failed, inDoubt (comma-separated for several)'),
  fiscalId: z.string().min(1).max(100).optional(),
  amountMin: minorFilter.optional().describe('total ≥ (minor units)'),
  amountMax: minorFilter.optional().describe('total ≤ (minor units)'),
});

export const resolveDecision = z.enum(['done', 'notDone']);
export type ResolveDecision = z.infer<typeof resolveDecision>;

export const resolveDocumentBody = z
  .object({
    decision: resolveDecision.describe(
      'done: the register did make the document; notDone: it did not (the client may send it again)',
    ),
    fiscalId: z
      .string()
      .min(1)
      .max(64)
      .regex(/^\S+$/, 'fiscalId: no spaces')
      .optional()
      .describe('the fiscal id on the paper receipt or in the OFD; required for a receipt decided done'),
    note: z
      .string()
      .max(500)
      .regex(/\S/, 'note: say why (what the paper receipt, the register or the OFD shows)')
      .describe('why: what the paper receipt, the register or the OFD shows'),
  })
  .refine((body) => body.decision === 'done' || body.fiscalId === undefined, {
    message: 'fiscalId goes only with decision done',
    path: ['fiscalId'],
  });

/** A row of the fiscal document ledger: one command sent to a register; amounts in minor units. */
export const documentView = z.object({
  id,
  registerId: id,
  registerName: z.string(),
  storeId: id,
  storeName: z.string(),
  currency,
  /** The command type: receipt, shift.close, report.x, cash.in, … */
  kind: z.string(),
  /** A receipt's operation (sale, saleReturn, buy, buyReturn); null for other commands. */
  operation: z.string().nullable(),
  status: documentStatus,
  total: z.number().int().nullable(),
  fiscalId: z.string().nullable(),
  checkNumber: z.number().int().nullable(),
  documentNumber: z.number().int().nullable(),
  shiftNumber: z.number().int().nullable(),
  /** Who asked: ws, sale, socketio, admin or system. */
  originChannel: z.string(),
  originActor: z.string().nullable(),
  requestedAt: isoDateTime,
  completedAt: isoDateTime.nullable(),
  /** Since when the document is in doubt (also kept once it is settled). */
  doubtSince: isoDateTime.nullable(),
});
export type DocumentView = z.input<typeof documentView>;

/**
 * One thing learned while reconciling, as the agent wrote it down. Kept in a JSON column: `at` is
 * the agent's ISO text, not a date of the cloud's.
 */
export const doubtEvidence = z.object({ at: z.string(), text: z.string() });
export type DoubtEvidence = z.input<typeof doubtEvidence>;

/** What the agent reported about a document in doubt. */
export const documentDoubt = z.object({
  since: isoDateTime.nullable(),
  attempts: z.number().int().nullable(),
  /** `deviceKey`: the iKKM wants its current web-api key; `operator`: a person has to decide. */
  needs: doubtNeedsSchema.nullable(),
  /** Latest first. */
  evidence: z.array(doubtEvidence),
  updatedAt: isoDateTime.nullable(),
});
export type DocumentDoubt = z.input<typeof documentDoubt>;

/** An operator's decision on a document that was in doubt. */
export const documentResolution = z.object({
  decision: resolveDecision,
  /** The deciding admin's e-mail. */
  by: z.string(),
  at: isoDateTime,
  note: z.string().nullable(),
});
export type DocumentResolution = z.input<typeof documentResolution>;

/**
 * A receipt line as the document keeps it: the protocol's, stored after parsing, so the fields
 * with defaults are always there (the answer's type says so, where the request schema's would not).
 */
const receiptLine = receiptItemSchema.extend({
  discount: receiptItemSchema.shape.discount.unwrap(),
  markup: receiptItemSchema.shape.markup.unwrap(),
  taxes: z.array(receiptTaxSchema.extend({ calcType: taxCalcTypeSchema })),
});

export const documentDetails = documentView.extend({
  /** A receipt's lines and payments as the command carried them; null for other commands. */
  items: z.array(receiptLine).nullable(),
  payments: z.array(paymentSchema).nullable(),
  change: z.number().int().nullable(),
  qrPayload: z.string().nullable(),
  /** Why it failed (or why it is in doubt), with the device's own code. */
  // The code as a string: a stored row keeps a code a later version may no longer have.
  error: canonicalErrorSchema.extend({ code: z.string() }).nullable(),
  /**
   * The register's result as the agent reported it (secrets removed, a receipt image only as its
   * size); null until it is done. X and Z reports carry their `counters` here.
   */
  deviceAnswer: z.looseObject({ counters: shiftCountersSchema.partial().optional() }).nullable(),
  deviceMs: z.number().int().nullable(),
  doubt: documentDoubt.nullable(),
  resolution: documentResolution.nullable(),
});
export type DocumentDetails = z.input<typeof documentDetails>;

/** The agent's acknowledgement of an operator's decision (`command.resolve`). */
export const resolveCommandView = z.object({
  /** The document of the `command.resolve` sent to the agent; null when it could not be sent. */
  documentId: z.string().nullable(),
  status: z.enum(['done', 'failed', 'pending', 'notSent']),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

/** The decided document and how its agent took the decision. */
export const resolveAnswer = documentDetails.extend({ resolveCommand: resolveCommandView });
export type ResolveAnswer = z.input<typeof resolveAnswer>;

export const documentPage = pageOf(documentView);

export const documentRoutes = {
  list: route({
    method: 'GET',
    path: '/api/documents',
    tag: 'documents',
    summary: 'Fiscal documents, newest first; keyset pages: pass nextCursor as cursor for the next page',
    query: listDocumentsQuery,
    response: documentPage,
  }),
  get: route({
    method: 'GET',
    path: '/api/documents/:id',
    tag: 'documents',
    summary: 'One document with its lines, payments, QR payload, error and device answer',
    response: documentDetails,
  }),
  resolve: route({
    method: 'POST',
    path: '/api/documents/:id/resolve',
    tag: 'documents',
    summary:
      "An operator's decision on a document in doubt (done with its fiscal id, or notDone); audited, then sent to the agent as command.resolve; 409 NOT_IN_DOUBT",
    adminOnly: true,
    body: resolveDocumentBody,
    response: resolveAnswer,
    status: 200,
  }),
  image: route({
    method: 'GET',
    path: '/api/documents/:id/image',
    tag: 'documents',
    summary: "The register's own receipt image (cash core); 404 when the register kind has none",
    response: 'image/png',
  }),
};
