import { z } from 'zod';
import { type KnownFields, nullAsAbsent, numberLike, stringLike } from '../input/lenient';
import { wsIntegerFromText } from '../money/ws-money';

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

/**
 * Liberal in what it accepts: numbers may come as numeric strings (decimals and integers alike,
 * read exactly by money/ws-money), `null` is an absent optional field, identifiers (`barcode`,
 * `rrn`, a ware's `name`) may come as numbers, unknown fields are ignored (and reported by
 * `parseWsRequest`).
 */
const DECIMAL_TEXT = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$/;
/** Clients send decimals as JSON numbers; some send them as strings. Both are exact for us. */
const decimal = z.custom<number | string>(
  (value) =>
    (typeof value === 'number' && Number.isFinite(value)) ||
    (typeof value === 'string' && DECIMAL_TEXT.test(value)),
  { error: 'ожидается число' },
);
const integer = <T extends z.ZodType>(schema: T) => numberLike(schema, wsIntegerFromText);
const kopecks = integer(z.number().int().positive());
const cashier = z.string().trim().min(1);
/** open_shift / close_shift: the register's own (logged-in or default) cashier when none is given. */
const optionalCashier = nullAsAbsent(
  z.preprocess(
    (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
    z.string().trim().optional(),
  ),
);
const optionalText = nullAsAbsent(stringLike(z.string()));

export const wsOpenShiftDataSchema = z.object({ cashier: optionalCashier });
export const wsCloseShiftDataSchema = z.object({ cashier: optionalCashier });
export const wsWareSchema = z.object({
  name: stringLike(z.string().trim().min(1)),
  barcode: optionalText,
  tax_number: integer(z.number().int().nonnegative()),
  price: decimal,
  quantity: decimal,
});
export const wsNewTransactionDataSchema = z.object({
  cashier,
  /** 2 sale, 3 return. */
  doc_type: integer(z.literal([2, 3])),
  /** 0 cash, 1 card. */
  pyment_type: integer(z.literal([0, 1])),
  rrn: optionalText,
  wares: z.array(wsWareSchema).min(1),
});
export const wsCancelPaymentDataSchema = z.object({
  rrn: stringLike(z.string().trim().min(1)),
  amount: kopecks,
});
export const wsCashDrawerDataSchema = z.object({
  cashier,
  amount: kopecks,
  /** 4 cash in, 5 cash out. */
  doc_type: integer(z.literal([4, 5])),
});
/** Frames with no data may send `data` absent, null or `{}`. */
const noData = z.union([z.null(), z.object({}).loose()]).optional();
/** open_shift / close_shift without `data` (or with `null`) are read as empty data. */
const emptyIfAbsent = <T extends z.ZodType>(schema: T) => z.preprocess((value) => value ?? {}, schema);

export const wsRequestSchema = z.discriminatedUnion('event', [
  z.object({ event: z.literal('open_shift'), data: emptyIfAbsent(wsOpenShiftDataSchema) }),
  z.object({ event: z.literal('close_shift'), data: emptyIfAbsent(wsCloseShiftDataSchema) }),
  z.object({ event: z.literal('force_close_shift'), data: noData }),
  z.object({ event: z.literal('new_transaction'), data: wsNewTransactionDataSchema }),
  z.object({ event: z.literal('cancel_payment'), data: wsCancelPaymentDataSchema }),
  z.object({ event: z.literal('cash_drawer_handler'), data: wsCashDrawerDataSchema }),
  z.object({ event: z.literal('z_report'), data: noData }),
]);
export type WsRequest = z.infer<typeof wsRequestSchema>;
export type WsRequestOf<E extends WsEvent> = Extract<WsRequest, { event: E }>;

const keysOf = (schema: z.ZodObject) => ({ keys: Object.keys(schema.shape) });
/** The fields seed 000 defines for each event (`event`, `data`, and what `data` holds); the rest is reported. */
export const WS_KNOWN_FIELDS: Readonly<Record<WsEvent, KnownFields>> = {
  open_shift: { keys: ['event', 'data'], nested: { data: keysOf(wsOpenShiftDataSchema) } },
  close_shift: { keys: ['event', 'data'], nested: { data: keysOf(wsCloseShiftDataSchema) } },
  force_close_shift: { keys: ['event', 'data'], nested: { data: { keys: [] } } },
  new_transaction: {
    keys: ['event', 'data'],
    nested: {
      data: { ...keysOf(wsNewTransactionDataSchema), nested: { wares: keysOf(wsWareSchema) } },
    },
  },
  cancel_payment: { keys: ['event', 'data'], nested: { data: keysOf(wsCancelPaymentDataSchema) } },
  cash_drawer_handler: { keys: ['event', 'data'], nested: { data: keysOf(wsCashDrawerDataSchema) } },
  z_report: { keys: ['event', 'data'], nested: { data: { keys: [] } } },
};

// ---- answers ----

const answerBase = {
  error: z.boolean(),
  error_code: z.number().int(),
  text: z.string().optional(),
};
/**
 * Answer fields. Every seed field a register gives carries its real value; one the register does
 * not give (or a follow-up read that failed) is left out — never "" or 0 that would look real
 * (docs/protocol-mapping.md, "Fields the register does not give"). So all but the envelope are optional.
 */
const registerFields = {
  cash_balance: z.number().optional(),
  fn_number: z.string().optional(),
  inn: z.string().optional(),
  shift_number: z.number().int().optional(),
  progressive_total_sales: z.number().optional(),
  progressive_total_returns: z.number().optional(),
};
const shiftTotalsFields = {
  ...registerFields,
  discount_sum_sales: z.number().optional(),
  marckup_sum_sales: z.number().optional(),
  discount_sum_returns: z.number().optional(),
  marckup_sum_returns: z.number().optional(),
  doc_number: z.number().int().optional(),
  count_sales: z.number().int().optional(),
  sum_sales: z.number().optional(),
  count_insert: z.number().int().optional(),
  count_remove: z.number().int().optional(),
  count_returns: z.number().int().optional(),
  sum_canceled: z.number().optional(),
  sum_insert: z.number().optional(),
  sum_remove: z.number().optional(),
  sum_returns: z.number().optional(),
};

export const wsErrorDataSchema = z.object({
  error: z.literal(true),
  error_code: z.number().int(),
  text: z.string(),
});
export const wsOpenShiftAnswerSchema = z.object({
  ...answerBase,
  cashier: z.string().optional(),
  ...registerFields,
});
export const wsCloseShiftAnswerSchema = z.object({
  ...answerBase,
  cashier: z.string().optional(),
  ...shiftTotalsFields,
});
export const wsForceCloseShiftAnswerSchema = z.object({
  ...answerBase,
  cashier: z.string().optional(),
  ...shiftTotalsFields,
});
export const wsNewTransactionAnswerSchema = z.object({
  ...answerBase,
  amount: z.number().int().optional(),
  cashier: z.string().optional(),
  rrn: z.string().optional(),
  fn_number: z.string().optional(),
  inn: z.string().optional(),
  shift_number: z.number().int().optional(),
  check_number: z.number().int().optional(),
  discount_sum: z.number().int(),
  doc_number: z.number().int().optional(),
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
