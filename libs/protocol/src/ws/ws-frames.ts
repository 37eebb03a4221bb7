import { z } from 'zod';

/**
 * Seed 000: frames `{ event, data }`, answers `{ event: "on<event>", data: { error, error_code,
 * text, … } }`. Field names exactly as the seed spells them (`pyment_type`, `marckup_sum_*`).
 * Money: `price` is a decimal in roubles/tenge; `amount` is integer kopecks/tiyn; the shift
 * figures in answers (`cash_balance`, `sum_sales`, …) are decimals in roubles/tenge.
 */
export const WS_EVENTS = [
  'open_shift',
  'close_shift',
  'force_close_shift',
  'new_transaction',
  'cancel_payment',
  'cash_drawer_handler',
  'z_report',
] as const;
export type WsEvent = (typeof WS_EVENTS)[number];
export const isWsEvent = (value: unknown): value is WsEvent =>
  typeof value === 'string' && (WS_EVENTS as readonly string[]).includes(value);

/** Clients send decimals as JSON numbers; some send them as strings. Both are exact for us. */
const decimal = z.union([
  z.number().finite(),
  z.string().regex(/^\s*-?\d+(\.\d+)?\s*$/, 'must be a decimal number'),
]);
const kopecks = z.number().int().positive();
const cashier = z.string().trim().min(1, 'cashier is required');

export const wsOpenShiftDataSchema = z.object({ cashier });
export const wsCloseShiftDataSchema = z.object({ cashier });
export const wsWareSchema = z.object({
  name: z.string().trim().min(1, 'name is required'),
  barcode: z.string().optional(),
  tax_number: z.number().int().nonnegative(),
  price: decimal,
  quantity: decimal,
});
export const wsNewTransactionDataSchema = z.object({
  cashier,
  doc_type: z.union([z.literal(2), z.literal(3)]),
  pyment_type: z.union([z.literal(0), z.literal(1)]),
  rrn: z.string().optional(),
  wares: z.array(wsWareSchema).min(1, 'wares must not be empty'),
});
export const wsCancelPaymentDataSchema = z.object({
  rrn: z.string().trim().min(1, 'rrn is required'),
  amount: kopecks,
});
export const wsCashDrawerDataSchema = z.object({
  cashier,
  amount: kopecks,
  doc_type: z.union([z.literal(4), z.literal(5)]),
});
/** Frames with no data may send `data` absent, null or `{}`. */
const noData = z.union([z.null(), z.object({}).loose()]).optional();

export const wsRequestSchema = z.discriminatedUnion('event', [
  z.object({ event: z.literal('open_shift'), data: wsOpenShiftDataSchema }),
  z.object({ event: z.literal('close_shift'), data: wsCloseShiftDataSchema }),
  z.object({ event: z.literal('force_close_shift'), data: noData }),
  z.object({ event: z.literal('new_transaction'), data: wsNewTransactionDataSchema }),
  z.object({ event: z.literal('cancel_payment'), data: wsCancelPaymentDataSchema }),
  z.object({ event: z.literal('cash_drawer_handler'), data: wsCashDrawerDataSchema }),
  z.object({ event: z.literal('z_report'), data: noData }),
]);
export type WsRequest = z.infer<typeof wsRequestSchema>;
export type WsRequestOf<E extends WsEvent> = Extract<WsRequest, { event: E }>;

// ---- answers ----

const answerBase = {
  error: z.boolean(),
  error_code: z.number().int(),
  text: z.string().optional(),
};
const registerFields = {
  cash_balance: z.number(),
  fn_number: z.string(),
  inn: z.string(),
  shift_number: z.number().int(),
  progressive_total_sales: z.number(),
  progressive_total_returns: z.number(),
};
const shiftTotalsFields = {
  ...registerFields,
  discount_sum_sales: z.number(),
  marckup_sum_sales: z.number(),
  discount_sum_returns: z.number(),
  marckup_sum_returns: z.number(),
  doc_number: z.number().int(),
  count_sales: z.number().int(),
  sum_sales: z.number(),
  count_insert: z.number().int(),
  count_remove: z.number().int(),
  count_returns: z.number().int(),
  sum_canceled: z.number(),
  sum_insert: z.number(),
  sum_remove: z.number(),
  sum_returns: z.number(),
};

export const wsErrorDataSchema = z.object({
  error: z.literal(true),
  error_code: z.number().int(),
  text: z.string(),
});
export const wsOpenShiftAnswerSchema = z.object({ ...answerBase, cashier: z.string(), ...registerFields });
export const wsCloseShiftAnswerSchema = z.object({
  ...answerBase,
  cashier: z.string(),
  ...shiftTotalsFields,
});
export const wsForceCloseShiftAnswerSchema = z.object({
  ...answerBase,
  cashier: z.string(),
  ...shiftTotalsFields,
});
export const wsNewTransactionAnswerSchema = z.object({
  ...answerBase,
  amount: z.number().int(),
  cashier: z.string(),
  rrn: z.string().optional(),
  fn_number: z.string(),
  inn: z.string(),
  shift_number: z.number().int(),
  check_number: z.number().int(),
  discount_sum: z.number().int(),
  doc_number: z.number().int(),
  /** kassa-relay addition (seed 000 has no place for it): the fiscal sign, for returns and audits. */
  fiscal_id: z.string().optional(),
  /** kassa-relay addition: the receipt's QR payload (OFD link) when the register gives one. */
  qr_code: z.string().optional(),
});
export const wsSimpleAnswerSchema = z.object(answerBase);
export const wsZReportAnswerSchema = z.object({ ...answerBase, ...shiftTotalsFields });

const okOrError = <T extends z.ZodType>(schema: T) => z.union([schema, wsErrorDataSchema]);

export const wsAnswerSchema = z.discriminatedUnion('event', [
  z.object({ event: z.literal('onopen_shift'), data: okOrError(wsOpenShiftAnswerSchema) }),
  z.object({ event: z.literal('onclose_shift'), data: okOrError(wsCloseShiftAnswerSchema) }),
  z.object({ event: z.literal('onforce_close_shift'), data: okOrError(wsForceCloseShiftAnswerSchema) }),
  z.object({ event: z.literal('onnew_transaction'), data: okOrError(wsNewTransactionAnswerSchema) }),
  z.object({ event: z.literal('oncancel_payment'), data: okOrError(wsSimpleAnswerSchema) }),
  z.object({ event: z.literal('oncash_drawer_handler'), data: okOrError(wsSimpleAnswerSchema) }),
  z.object({ event: z.literal('onz_report'), data: okOrError(wsZReportAnswerSchema) }),
  /** Answer to a frame whose event could not be read at all (malformed JSON, no event). */
  z.object({ event: z.literal('onerror'), data: wsErrorDataSchema }),
]);
export type WsAnswer = z.infer<typeof wsAnswerSchema>;
export type WsErrorData = z.infer<typeof wsErrorDataSchema>;

export const wsAnswerEvent = (event: string): string => `on${event}`;
