import { DAY_MS, formatDeviceDate } from './clock';
import { JsonNumberText } from './json-text';
import { formatQuantity, formatTengeFixed, formatTengeShort } from './money';
import {
  CHEQUE_TYPE,
  type DeviceState,
  type FiscalTotals,
  type JournalEntry,
  REGISTRATION_KINDS,
  type RegistrationKind,
  type ShiftRecord,
} from './state';

/**
 * The JSON the device hands out: `/apicheck/getInfo`, the `/dump/table/...` reference tables and
 * reports, `/dump/transaction/<key>`. Field names, nesting and value types follow the seed's
 * examples exactly — strings where the seed quotes (`"cashWeHave": "1108.00"`, `"chequeType": "1"`),
 * plain numbers in the tables (`"price1": 77`), two-decimal numbers in the shift report
 * (`"cashOutTotal": 100.00`).
 */

/** Seed: the shift tables return "все смены кроме архивных". A closed shift goes to the archive 30 days after closing. */
export const ARCHIVE_AFTER_MS = 30 * DAY_MS;

export interface ReportContext {
  state: DeviceState;
  now: number;
  utcOffsetMinutes: number;
}

/** Tenge as a JSON number, shortest exact form (tables: `"price": 23`, `"sale": 5210`). */
const shortNumber = (tiyn: number) => new JsonNumberText(formatTengeShort(tiyn));
/** Tenge as a JSON number with two decimals (shift report: `"sum": 1000.00`). */
const fixedNumber = (tiyn: number) => new JsonNumberText(formatTengeFixed(tiyn));

export const isArchived = (shift: ShiftRecord, now: number): boolean =>
  shift.closedAt !== null && now - shift.closedAt > ARCHIVE_AFTER_MS;

export const openShiftOf = (state: DeviceState): ShiftRecord | undefined => {
  const last = state.shifts.at(-1);
  return last && last.closedAt === null ? last : undefined;
};

export const cashierName = (state: DeviceState, id: number): string =>
  state.cashiers.find((cashier) => cashier.id === id)?.name ?? String(id);

const isCheque = (
  entry: JournalEntry,
): entry is JournalEntry & { kind: RegistrationKind; checkNumber: number } =>
  (REGISTRATION_KINDS as readonly string[]).includes(entry.kind) && entry.checkNumber !== undefined;

/** Seed `/apicheck/getInfo`: every value a string except `applicationVersion`. */
export function deviceInfo(context: ReportContext, minimum: boolean): Record<string, unknown> {
  const { state } = context;
  const open = openShiftOf(state);
  const lastShift = state.shifts.at(-1);
  const core = {
    cashierID: String(state.settings.cashierId),
    cashierName: cashierName(state, state.settings.cashierId),
    currentShiftID: String(lastShift?.number ?? 0),
    currentShiftStatus: open ? 'opened' : 'closed',
    defaultApiTaxID: String(state.defaultTaxId),
    lastClosedChequeId: String(state.lastDocumentNumber),
  };
  // Seed: "show=minimum … номер последнего чека, текущий номер смены и статус, налог по-умолчанию, код и имя кассира".
  if (minimum) return core;
  const queued = state.journal.filter((entry) => entry.ofd?.status === 0).length;
  return {
    applicationVersion: 101021,
    batteryCapacityPerc: String(state.settings.batteryPerc),
    cashWeHave: formatTengeFixed(state.cashWeHave),
    cashierID: core.cashierID,
    cashierName: core.cashierName,
    currentShiftID: core.currentShiftID,
    currentShiftStatus: core.currentShiftStatus,
    databaseSizeKb: String(Math.max(1, Math.ceil(JSON.stringify(state).length / 1024))),
    defaultApiTaxID: core.defaultApiTaxID,
    factorySerialNumber: state.factorySerialNumber,
    lastClosedChequeId: core.lastClosedChequeId,
    messagesQueueSize: String(queued),
    printingMode: state.settings.printingMode,
    roundingRule: 'no',
    totalFlashUsedMb: '78',
    totalRamUsedMb: '70',
  };
}

export const itemsTable = (state: DeviceState): unknown[] => state.items.map((item) => ({ ...item }));

export const catalogTable = (state: DeviceState): Record<string, string> => ({ ...state.catalog });

export const taxesTable = (state: DeviceState): Record<string, string> =>
  Object.fromEntries(state.taxes.map((tax) => [String(tax.id), tax.name]));

export const cashiersTable = (state: DeviceState): Record<string, string> =>
  Object.fromEntries(state.cashiers.map((cashier) => [String(cashier.id), cashier.name]));

/** Seed `/dump/table/shifts`. `closeDate` is left out while the shift is open. */
export function shiftsTable(context: ReportContext): unknown[] {
  return context.state.shifts
    .filter((shift) => !isArchived(shift, context.now))
    .map((shift) => ({
      id: shift.number,
      opened: shift.closedAt === null ? 1 : 0,
      openDate: formatDeviceDate(shift.openedAt, context.utcOffsetMinutes),
      closeDate:
        shift.closedAt === null ? undefined : formatDeviceDate(shift.closedAt, context.utcOffsetMinutes),
      cashierId: shift.cashierId,
      sale: shortNumber(shift.fiscalOnOpen.sale),
      buy: shortNumber(shift.fiscalOnOpen.buy),
      saleReturn: shortNumber(shift.fiscalOnOpen.saleReturn),
      buyReturn: shortNumber(shift.fiscalOnOpen.buyReturn),
    }));
}

const chequesOf = (state: DeviceState, shift: ShiftRecord) =>
  state.journal.filter((entry) => entry.shiftNumber === shift.number).filter(isCheque);

const saleRow = (line: JournalEntry['lines'][number]) => ({
  id: line.id,
  itemCode: line.itemCode,
  qty: new JsonNumberText(formatQuantity(line.qtyMilli)),
  price: shortNumber(line.price),
  saleSum: shortNumber(line.sum),
  taxId: line.taxId,
});

/** Seed `/dump/table/shifts/<n>/cheques`. An archived shift has no details left: []. */
export function chequesReport(context: ReportContext, shift: ShiftRecord): unknown[] {
  if (isArchived(shift, context.now)) return [];
  return chequesOf(context.state, shift).map((entry) => ({
    chequeId: entry.checkNumber,
    chequeDate: formatDeviceDate(entry.at, context.utcOffsetMinutes),
    chequeType: CHEQUE_TYPE[entry.kind],
    chequeSales: entry.lines.map(saleRow),
  }));
}

/** Seed `/dump/table/shifts/<n>/sales`: every line, "сортировка результата по этому полю" (chequeId). */
export function salesReport(context: ReportContext, shift: ShiftRecord): unknown[] {
  if (isArchived(shift, context.now)) return [];
  return chequesOf(context.state, shift)
    .sort((a, b) => a.checkNumber - b.checkNumber)
    .flatMap((entry) =>
      entry.lines.map((line) => ({ id: line.id, chequeId: entry.checkNumber, ...withoutId(saleRow(line)) })),
    );
}

const withoutId = <T extends { id: number }>(row: T): Omit<T, 'id'> => {
  const { id: _id, ...rest } = row;
  return rest;
};

const fiscalData = (totals: FiscalTotals) => ({
  sales: fixedNumber(totals.sale),
  buy: fixedNumber(totals.buy),
  saleReturn: fixedNumber(totals.saleReturn),
  buyReturn: fixedNumber(totals.buyReturn),
});

/**
 * Seed `/dump/table/shifts/<n>/report` (the z/x report of a shift). `total…Cheques` count every
 * cheque of that kind up to the end of this shift; `revenue` = sales − sale returns − purchases +
 * purchase returns of the shift; `fiscalData` is the device's current progressive totals.
 * An archived shift: only `fiscalData` and `isArhived: true` (seed spelling).
 */
export function shiftReport(context: ReportContext, shift: ShiftRecord): Record<string, unknown> {
  const { state } = context;
  if (isArchived(shift, context.now)) return { isArhived: true, fiscalData: fiscalData(state.fiscal) };

  const inShift = state.journal.filter((entry) => entry.shiftNumber === shift.number);
  const upToShift = state.journal.filter((entry) => entry.shiftNumber <= shift.number);
  const details = (kind: RegistrationKind) => {
    const cheques = inShift.filter((entry) => entry.kind === kind);
    return {
      sum: fixedNumber(cheques.reduce((acc, entry) => acc + entry.total, 0)),
      cheques: cheques.length,
    };
  };
  const sumOf = (kind: RegistrationKind) =>
    inShift.filter((entry) => entry.kind === kind).reduce((acc, entry) => acc + entry.total, 0);
  const countAll = (kind: RegistrationKind) => upToShift.filter((entry) => entry.kind === kind).length;
  const withdrawals = inShift.filter((entry) => entry.kind === 'withdraw');
  const deposits = inShift.filter((entry) => entry.kind === 'deposit');
  const lastWithCash = [...inShift]
    .reverse()
    .find((entry) => entry.kind !== 'zreport' && entry.kind !== 'xreport');

  return {
    shiftState: shift.closedAt === null ? 'opened' : 'closed',
    dateOpen: formatDeviceDate(shift.openedAt, context.utcOffsetMinutes, false),
    dateClose:
      shift.closedAt === null ? undefined : formatDeviceDate(shift.closedAt, context.utcOffsetMinutes, false),
    fiscalDataOnShiftOpen: {
      sale: fixedNumber(shift.fiscalOnOpen.sale),
      buy: fixedNumber(shift.fiscalOnOpen.buy),
      saleReturn: fixedNumber(shift.fiscalOnOpen.saleReturn),
      buyReturn: fixedNumber(shift.fiscalOnOpen.buyReturn),
    },
    totalSaleCheques: countAll('sale'),
    saleDetails: details('sale'),
    totalBuyCheques: countAll('buy'),
    buyDetails: details('buy'),
    totalSaleReturnCheques: countAll('saleReturn'),
    saleReturnDetails: details('saleReturn'),
    totalBuyReturnCheques: countAll('buyReturn'),
    buyRetDetails: details('buyReturn'),
    cashOutDocCount: withdrawals.length,
    cashOutTotal: fixedNumber(withdrawals.reduce((acc, entry) => acc + entry.total, 0)),
    cashInDocCount: deposits.length,
    cashInTotal: fixedNumber(deposits.reduce((acc, entry) => acc + entry.total, 0)),
    cashWeHave: fixedNumber(lastWithCash?.cashAfter ?? shift.cashOnOpen),
    revenue: fixedNumber(sumOf('sale') - sumOf('saleReturn') - sumOf('buy') + sumOf('buyReturn')),
    fiscalData: fiscalData(state.fiscal),
  };
}

/** Seed `/dump/transaction/<key>`. `submitDate` is empty until the OFD received the document. */
export function transactionInfo(context: ReportContext, entry: JournalEntry): Record<string, unknown> {
  const ofd = entry.ofd ?? { status: 0, submittedAt: null, onlineCode: '' };
  return {
    docid: String(entry.checkNumber ?? ''),
    createDate: formatDeviceDate(entry.at, context.utcOffsetMinutes),
    submitDate: ofd.submittedAt === null ? '' : formatDeviceDate(ofd.submittedAt, context.utcOffsetMinutes),
    status: ofd.status,
    onlineCode: ofd.onlineCode,
  };
}
