import {
  cashCoreMoneyToMinor,
  cashCoreRequestToMinor,
  decimalToScaledRounded,
  emptyShiftCounters,
  type RegisterIdentity,
  type ShiftCounters,
  type ShiftState,
} from '@kassa-relay/protocol';

/**
 * The cash core's answers (seed 003), read defensively: every field is optional and checked, lists
 * may come as `{}` (the seed's protobuf-to-JSON rendering of an empty list), money comes either as
 * `{bills, coins}` or as a decimal tenge number depending on the field.
 */

/** Seed 003 enums, by code. */
export const OPERATION = { BUY: 0, BUY_RETURN: 1, SELL: 2, SELL_RETURN: 3 } as const;
export const PAYMENT = { CASH: 0, CARD: 1, MOBILE: 4 } as const;
export const COMMAND = { TICKET: 1, CLOSE_SHIFT: 2, REPORT: 3, MONEY_PLACEMENT: 6 } as const;
export const MONEY_PLACEMENT = { DEPOSIT: 0, WITHDRAWAL: 1 } as const;
export const REPORT = { Z: 0, X: 1 } as const;
export const ROLE = { ADMINISTRATOR: 1, SENIOR_CASHIER: 2, CASHIER: 3 } as const;
/** KKMLocalState 1: "Касса заблокирована из-за расхождения счётчиков". */
export const LOCAL_STATE_VALUES_CONFLICT = 1;

export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const obj = (value: unknown): Json => (isObject(value) ? value : {});

/** A list field; `{}` (an empty protobuf list) and anything else that is not an array read as []. */
export const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

export function int(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

export const str = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;

export const nonEmpty = (value: unknown): string | undefined => {
  const text = str(value);
  return text !== undefined && text.trim() !== '' ? text : undefined;
};

/** An answer amount in minor units: `{bills, coins}` or a decimal tenge number. */
export function minorOf(value: unknown): number | undefined {
  if (isObject(value)) {
    const bills = int(value['bills']);
    const coins = int(value['coins'] ?? 0);
    if (bills === undefined || coins === undefined) return undefined;
    try {
      return cashCoreMoneyToMinor({ bills, coins });
    } catch {
      return undefined;
    }
  }
  if (typeof value === 'number' || typeof value === 'string') {
    try {
      return cashCoreRequestToMinor(value);
    } catch {
      // A float the core computed (e.g. 0.1 + 0.2): round to the tiyn rather than lose the figure.
      try {
        return decimalToScaledRounded(value, 2);
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Seed 003 KKMObject (GetKKMList). */
export interface KkmState {
  /** Local ID of the register in the core (what operator `bindings` refer to). */
  id: number | undefined;
  shiftNumber: number;
  shiftOpen: boolean;
  shiftDocumentNumber: number;
  shiftOpenDate: string | undefined;
  shiftCloseDate: string | undefined;
  isOffline: boolean;
  offlineStartDate: string | undefined;
  isBlocked: boolean;
  blockedInfo: string;
  isInvalidToken: boolean;
  localState: number;
  cashSum: number | undefined;
  revenue: number | undefined;
  nonNullableSums: (number | undefined)[];
  /** The same sums when the shift opened: the difference is the shift's turnover per operation. */
  startShiftNonNullableSums: (number | undefined)[];
  offlineTicketNumber: number | undefined;
  localName: string | undefined;
  vendorId: string | undefined;
  regInfo: Json;
  raw: Json;
}

export function readKkm(raw: Json): KkmState {
  return {
    id: int(raw['ID']),
    shiftNumber: int(raw['fr_shift_number']) ?? 0,
    shiftOpen: int(raw['shift_state']) === 1,
    shiftDocumentNumber: int(raw['shift_document_number']) ?? 0,
    shiftOpenDate: str(raw['shift_open_date']),
    shiftCloseDate: str(raw['shift_close_date']),
    isOffline: raw['is_offline'] === true,
    offlineStartDate: str(raw['offline_start_date']),
    isBlocked: raw['is_blocked'] === true,
    blockedInfo: str(raw['blocked_info']) ?? '',
    isInvalidToken: raw['is_invalid_token'] === true,
    localState: int(raw['local_state']) ?? 0,
    cashSum: minorOf(raw['cash_sum']),
    revenue: minorOf(raw['revenue']),
    nonNullableSums: list(raw['non_nullable_sums']).map(minorOf),
    startShiftNonNullableSums: list(raw['start_shift_non_nullable_sums']).map(minorOf),
    offlineTicketNumber: int(raw['offline_ticket_number']),
    localName: str(raw['local_name']),
    vendorId: str(raw['vendor_id']),
    regInfo: obj(raw['reg_info']),
    raw,
  };
}

/** Identity from `reg_info` (KKMObject and every fiscal answer carry it). */
export function identityOf(regInfo: Json, localName?: string, vendorId?: string): RegisterIdentity {
  const kkm = obj(regInfo['kkm']);
  const org = obj(regInfo['org']);
  const serial = nonEmpty(kkm['serial_number']) ?? nonEmpty(vendorId) ?? '';
  const registrationNumber = nonEmpty(kkm['fns_kkm_id']);
  const inn = nonEmpty(org['inn']);
  const organization = nonEmpty(org['title']);
  const registerName = nonEmpty(localName);
  return {
    kind: 'cash-core',
    serialNumber: serial,
    ...(registrationNumber ? { registrationNumber } : {}),
    ...(inn ? { inn } : {}),
    ...(organization ? { organization } : {}),
    ...(registerName ? { registerName } : {}),
    currency: 'KZT',
  };
}

/** The Delphi zero date `1899-12-30T00:00:00.000` means "never". */
const ZERO_DATE_YEAR = 1899;

/** Seed 003 dateTime (`2024-12-23T17:07:05.000`, register local time, no zone) → ISO UTC. */
export function registerDateToIso(value: string | undefined, utcOffsetMinutes: number): string | undefined {
  if (!value) return undefined;
  const match = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?/.exec(value.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, ms] = match;
  if (Number(y) <= ZERO_DATE_YEAR) return undefined;
  const utc =
    Date.UTC(
      Number(y),
      Number(mo) - 1,
      Number(d),
      Number(h),
      Number(mi),
      Number(s ?? 0),
      Number((ms ?? '0').padEnd(3, '0')),
    ) -
    utcOffsetMinutes * 60_000;
  return new Date(utc).toISOString();
}

/** Seed 003 DateTime object `{date: {year, month, day}, time: {hour, minute, second}}` → ISO UTC. */
export function dateTimeObjectToIso(value: unknown, utcOffsetMinutes: number): string | undefined {
  const date = obj(obj(value)['date']);
  const time = obj(obj(value)['time']);
  const year = int(date['year']);
  if (!year || year <= ZERO_DATE_YEAR) return undefined;
  const utc =
    Date.UTC(
      year,
      (int(date['month']) ?? 1) - 1,
      int(date['day']) ?? 1,
      int(time['hour']) ?? 0,
      int(time['minute']) ?? 0,
      int(time['second']) ?? 0,
    ) -
    utcOffsetMinutes * 60_000;
  return new Date(utc).toISOString();
}

/** ISO instant → the register's local dateTime text, for request filters (`period_start`). */
export function isoToRegisterDate(iso: string, utcOffsetMinutes: number): string {
  const local = new Date(Date.parse(iso) + utcOffsetMinutes * 60_000).toISOString();
  return local.slice(0, 23);
}

export function shiftOf(kkm: KkmState, utcOffsetMinutes: number): ShiftState {
  const openedAt = registerDateToIso(kkm.shiftOpenDate, utcOffsetMinutes);
  const closedAt = kkm.shiftOpen ? undefined : registerDateToIso(kkm.shiftCloseDate, utcOffsetMinutes);
  return {
    number: kkm.shiftNumber,
    open: kkm.shiftOpen,
    ...(openedAt ? { openedAt } : {}),
    ...(closedAt ? { closedAt } : {}),
  };
}

const byOperation = (entries: unknown, operation: number): Json | undefined =>
  list(entries)
    .map(obj)
    .find((entry) => int(entry['operation']) === operation);

const sumOf = (entry: Json | undefined, field = 'sum'): number => (entry ? (minorOf(entry[field]) ?? 0) : 0);

/**
 * The sum of one operation in a report list (`discountsList`, `markupsList`, `non_nullable_sumsList`).
 * The core lists only the operations that have a sum, and renders an empty list as `{}`: a list that
 * is there without the operation is 0. A list that is not there at all is unknown (undefined).
 */
function listedSum(entries: unknown, operation: number): number | undefined {
  if (entries === undefined || entries === null) return undefined;
  return sumOf(byOperation(entries, operation));
}

/**
 * "Сумма аннулированных" from `annulled_tickets`: no annulled ticket in the shift
 * (`annulled_tickets_count` 0) → 0. Otherwise the seed does not define the entries of
 * `annulled_operationsList`; they are read as its other operation lists are (`{operation, count, sum}`)
 * and added up — any entry without a readable `sum`, or no entries, leaves the sum unknown.
 */
function annulledSum(body: Json): number | undefined {
  const annulled = body['annulled_tickets'];
  if (!isObject(annulled)) return undefined;
  const count = int(annulled['annulled_tickets_count']);
  if (count === 0) return 0;
  if (count === undefined) return undefined;
  const entries = list(annulled['annulled_operationsList']).map(obj);
  if (entries.length === 0) return undefined;
  let total = 0;
  for (const entry of entries) {
    const sum = minorOf(entry['sum']);
    if (sum === undefined) return undefined;
    total += sum;
  }
  return total;
}

/**
 * Shift counters from a ZXReport body (ReportObject): sales are OPERATION_SELL (2), returns
 * OPERATION_SELL_RETURN (3) — seed 000's counters know only those two. Discounts and markups come
 * from `discountsList`/`markupsList` (item and receipt modifiers together), progressive totals from
 * `non_nullable_sumsList`, cash in/out from `money_placementsList`, the annulled sum from
 * `annulled_tickets` (`annulledSum`). A list the body lacks leaves its counters out (unknown).
 */
export function reportCounters(body: Json): ShiftCounters {
  const tickets = body['ticket_operationsList'];
  const sales = byOperation(tickets, OPERATION.SELL);
  const returns = byOperation(tickets, OPERATION.SELL_RETURN);
  const deposits = byOperation(body['money_placementsList'], MONEY_PLACEMENT.DEPOSIT);
  const withdrawals = byOperation(body['money_placementsList'], MONEY_PLACEMENT.WITHDRAWAL);
  return {
    ...emptyShiftCounters(),
    cashBalance: minorOf(body['cash_sum']) ?? 0,
    ...known('progressiveTotalSales', listedSum(body['non_nullable_sumsList'], OPERATION.SELL)),
    ...known('progressiveTotalReturns', listedSum(body['non_nullable_sumsList'], OPERATION.SELL_RETURN)),
    ...known('discountSumSales', listedSum(body['discountsList'], OPERATION.SELL)),
    ...known('markupSumSales', listedSum(body['markupsList'], OPERATION.SELL)),
    ...known('discountSumReturns', listedSum(body['discountsList'], OPERATION.SELL_RETURN)),
    ...known('markupSumReturns', listedSum(body['markupsList'], OPERATION.SELL_RETURN)),
    countSales: int(sales?.['tickets_count']) ?? 0,
    sumSales: sumOf(sales, 'tickets_sum'),
    countReturns: int(returns?.['tickets_count']) ?? 0,
    sumReturns: sumOf(returns, 'tickets_sum'),
    countInsert: int(deposits?.['operations_count']) ?? 0,
    sumInsert: sumOf(deposits, 'operations_sum'),
    countRemove: int(withdrawals?.['operations_count']) ?? 0,
    sumRemove: sumOf(withdrawals, 'operations_sum'),
    ...known('sumCanceled', annulledSum(body)),
  };
}

/** A counter that is known, or nothing (absent = unknown in the canonical counters). */
const known = <K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> =>
  value === undefined ? {} : ({ [key]: value } as Record<K, number>);

/** Progressive totals from GetKKMList `non_nullable_sums` (indexed by OperationTypeEnum), when it has them. */
export function progressiveOf(
  kkm: KkmState,
): Pick<ShiftCounters, 'progressiveTotalSales' | 'progressiveTotalReturns'> {
  return {
    ...known('progressiveTotalSales', kkm.nonNullableSums[OPERATION.SELL]),
    ...known('progressiveTotalReturns', kkm.nonNullableSums[OPERATION.SELL_RETURN]),
  };
}

/** One GetTransactionList entry. */
export interface TransactionEntry {
  id: number;
  command: number;
  shiftNumber: number;
  documentNumber: number;
  isOffline: boolean;
  date: string | undefined;
  body: Json;
}

export function readTransactionEntry(raw: unknown): TransactionEntry | undefined {
  const entry = obj(raw);
  const id = int(entry['ID'] ?? entry['id'] ?? entry['Id']);
  const command = int(entry['command']);
  if (id === undefined || command === undefined) return undefined;
  return {
    id,
    command,
    shiftNumber: int(entry['fr_shift_number']) ?? 0,
    documentNumber: int(entry['shift_document_number']) ?? 0,
    isOffline: entry['is_offline'] === true,
    date: str(entry['date']),
    body: obj(entry['body']),
  };
}

/**
 * Counters of the open shift without an X report (register.info), from what seed 003 defines
 * exactly: the counts from the transaction list's headers and `operation` fields; the sales and
 * sale-return sums from the register's non-nullable sums (`non_nullable_sums` −
 * `start_shift_non_nullable_sums`, indexed by OperationTypeEnum); the money placement sums from
 * their full bodies (GetTransaction's MoneyPlacementObject, `placementSums`). The list's own `sum`
 * and `payments` are never read: the seed does not say what they hold. Discounts and markups are
 * not known without a report (0).
 */
export function transactionCounters(
  entries: TransactionEntry[],
  kkm: KkmState,
  placementSums: ReadonlyMap<number, number>,
): ShiftCounters {
  const turnover = (operation: number) =>
    Math.max(0, (kkm.nonNullableSums[operation] ?? 0) - (kkm.startShiftNonNullableSums[operation] ?? 0));
  const counters: ShiftCounters = {
    ...emptyShiftCounters(),
    cashBalance: kkm.cashSum ?? 0,
    ...progressiveOf(kkm),
    sumSales: turnover(OPERATION.SELL),
    sumReturns: turnover(OPERATION.SELL_RETURN),
  };
  for (const entry of entries) {
    const operation = int(entry.body['operation']);
    if (entry.command === COMMAND.TICKET) {
      if (operation === OPERATION.SELL) counters.countSales += 1;
      else if (operation === OPERATION.SELL_RETURN) counters.countReturns += 1;
    } else if (entry.command === COMMAND.MONEY_PLACEMENT) {
      const sum = placementSums.get(entry.id) ?? 0;
      if (operation === MONEY_PLACEMENT.DEPOSIT) {
        counters.countInsert += 1;
        counters.sumInsert += sum;
      } else if (operation === MONEY_PLACEMENT.WITHDRAWAL) {
        counters.countRemove += 1;
        counters.sumRemove += sum;
      }
    }
  }
  return counters;
}
