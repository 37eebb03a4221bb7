/**
 * Where seed 003 leaves an answer's shape open, the simulator offers every reasonable reading and
 * defaults to the least convenient one (README, "Where the seed is silent"). A driver that relies
 * on one reading fails against another; the tests switch them with `POST /_sim/readings` or the
 * `readings` start option.
 */

/**
 * `TransactionList::Ticket.sum` ("Сумма", float — seed 003 .txt lines 5901–5925): the ticket total
 * after discounts and markups (`total`), or the commodities' sum before them (`beforeModifiers`).
 */
export const TICKET_SUM_READINGS = ['total', 'beforeModifiers'] as const;
export type TicketSumReading = (typeof TICKET_SUM_READINGS)[number];

/**
 * `TransactionList::Ticket.payments` ("Виды оплат", `List<PaymentTypeEnum>`, 0..n): payment types
 * as sent (`typesGross`, a cash line wholly given back as change included) or as registered (cash
 * net of change, empty lines dropped: `typesNet`); `{type, sum}` objects gross or net of change
 * (`amountsGross`, `amountsNet`), or an empty list (`none`, allowed by "0..n").
 */
export const TICKET_PAYMENTS_READINGS = [
  'typesGross',
  'typesNet',
  'amountsGross',
  'amountsNet',
  'none',
] as const;
export type TicketPaymentsReading = (typeof TICKET_PAYMENTS_READINGS)[number];

/**
 * `TransactionList::MoneyPlacement.sum` ("Сумма", float): the amount placed (`amount`) or always 0
 * (`zero`) — the seed's only example (.txt lines 4688–4698) lists a withdrawal with `"sum": 0`.
 */
export const PLACEMENT_SUM_READINGS = ['amount', 'zero'] as const;
export type PlacementSumReading = (typeof PLACEMENT_SUM_READINGS)[number];

/**
 * What `KKMObject.fr_shift_number` / `shift_document_number` show after a Z report and before the
 * next document (shift_state 0): the closed shift and its Z's number (`last`), the closed shift and
 * 0 (`lastZero`), or the number the next shift will have and 0 (`next`). The seed shows only an
 * open shift (.txt lines 406–426; KKMObject fields lines 5254–5270).
 */
export const CLOSED_SHIFT_READINGS = ['last', 'lastZero', 'next'] as const;
export type ClosedShiftReading = (typeof CLOSED_SHIFT_READINGS)[number];

export interface Readings {
  ticketSum: TicketSumReading;
  ticketPayments: TicketPaymentsReading;
  placementSum: PlacementSumReading;
  closedShift: ClosedShiftReading;
}

/** The defaults: the least convenient reading of each. */
export const STRICT_READINGS: Readonly<Readings> = Object.freeze({
  ticketSum: 'beforeModifiers',
  ticketPayments: 'typesGross',
  placementSum: 'zero',
  closedShift: 'next',
});

/** What this simulator did before the readings became configurable (and what its README said). */
export const CONVENIENT_READINGS: Readonly<Readings> = Object.freeze({
  ticketSum: 'total',
  ticketPayments: 'typesNet',
  placementSum: 'amount',
  closedShift: 'last',
});

const CHOICES: { [K in keyof Readings]: readonly Readings[K][] } = {
  ticketSum: TICKET_SUM_READINGS,
  ticketPayments: TICKET_PAYMENTS_READINGS,
  placementSum: PLACEMENT_SUM_READINGS,
  closedShift: CLOSED_SHIFT_READINGS,
};

/**
 * `base` with the fields of `input` applied (a partial object; `"convenient"` or `"strict"` as a
 * whole). Throws an Error naming the bad field.
 */
export function applyReadings(base: Readings, input: unknown): Readings {
  if (input === 'strict') return { ...STRICT_READINGS };
  if (input === 'convenient') return { ...CONVENIENT_READINGS };
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new Error('readings must be an object, "strict" or "convenient"');
  const next: Readings = { ...base };
  for (const [key, value] of Object.entries(input)) {
    if (!(key in CHOICES))
      throw new Error(`unknown reading ${key}; known: ${Object.keys(CHOICES).join(', ')}`);
    const allowed = CHOICES[key as keyof Readings] as readonly string[];
    if (typeof value !== 'string' || !allowed.includes(value))
      throw new Error(`${key} must be one of ${allowed.join(', ')}`);
    (next as unknown as Record<string, string>)[key] = value;
  }
  return next;
}

/** `ticketSum=total,closedShift=last` (the CLI form) → a partial readings object. */
export function parseReadingsArgument(text: string): Record<string, string> | 'strict' | 'convenient' {
  const trimmed = text.trim();
  if (trimmed === 'strict' || trimmed === 'convenient') return trimmed;
  const out: Record<string, string> = {};
  for (const part of trimmed.split(',')) {
    if (part.trim() === '') continue;
    const [key, value] = part.split('=').map((s) => s.trim());
    if (!key || !value) throw new Error(`--readings: expected key=value, got "${part}"`);
    out[key] = value;
  }
  return out;
}

/**
 * How the core behaves while a call is still running (seed 003 codes 66 `operation_in_progress`
 * and 69 `kkm_is_busy_too_long` "Касса до сих пор выполняет предыдущую операцию", .txt lines
 * 7296–7311): any other call meanwhile is answered 66 while the running call is younger than
 * `tooLongAfterMs`, 69 after. `ping`: whether Ping answers `ok` meanwhile (`answers`) or is refused
 * like every other method (`busy`).
 */
export interface BusyBehaviour {
  tooLongAfterMs: number;
  ping: 'answers' | 'busy';
}

export const DEFAULT_BUSY: Readonly<BusyBehaviour> = Object.freeze({
  tooLongAfterMs: 10_000,
  ping: 'answers',
});

export function applyBusy(base: BusyBehaviour, input: unknown): BusyBehaviour {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new Error('busy must be an object');
  const next = { ...base };
  for (const [key, value] of Object.entries(input)) {
    if (key === 'tooLongAfterMs') {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
        throw new Error('tooLongAfterMs must be a number >= 0');
      next.tooLongAfterMs = value;
    } else if (key === 'ping') {
      if (value !== 'answers' && value !== 'busy') throw new Error('ping must be "answers" or "busy"');
      next.ping = value;
    } else {
      throw new Error(`unknown busy setting ${key}; known: tooLongAfterMs, ping`);
    }
  }
  return next;
}
