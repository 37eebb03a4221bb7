import { emptyShiftCounters, ikkmAmountToMinor, type ShiftCounters } from '@kassa-relay/protocol';

/** Seed 002 `/apicheck/getInfo` (every value but the version is a string on the wire). */
export interface IkkmInfo {
  applicationVersion?: number | string;
  batteryCapacityPerc?: string;
  cashWeHave?: string | number;
  cashierID?: string;
  cashierName?: string;
  currentShiftID?: string | number;
  currentShiftStatus?: string;
  factorySerialNumber?: string;
  lastClosedChequeId?: string | number;
  messagesQueueSize?: string | number;
  printingMode?: string;
  defaultApiTaxID?: string | number;
}

/** Seed 002 `/dump/table/shifts` row. */
export interface IkkmShiftRow {
  id: number;
  opened: number;
  openDate?: string;
  closeDate?: string;
  cashierId?: number;
}

interface Details {
  sum?: number | string;
  cheques?: number;
}

/** Seed 002 `/dump/table/shifts/<n>/report` (z/x report of one shift). */
export interface IkkmShiftReport {
  shiftState?: 'closed' | 'opened';
  dateOpen?: string;
  dateClose?: string;
  saleDetails?: Details;
  saleReturnDetails?: Details;
  buyDetails?: Details;
  buyRetDetails?: Details;
  cashOutDocCount?: number;
  cashOutTotal?: number | string;
  cashInDocCount?: number;
  cashInTotal?: number | string;
  cashWeHave?: number | string;
  fiscalData?: {
    sales?: number | string;
    saleReturn?: number | string;
    buy?: number | string;
    buyReturn?: number | string;
  };
  isArhived?: boolean;
}

/** Seed 002 `/dump/transaction/<key>`. */
export interface IkkmTransaction {
  docid?: string | number;
  createDate?: string;
  submitDate?: string;
  status?: number;
  onlineCode?: string;
}

const money = (value: number | string | undefined): number =>
  value === undefined || value === '' ? 0 : ikkmAmountToMinor(value);
export const intOf = (value: number | string | undefined): number | undefined => {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? Math.trunc(n) : undefined;
};

/** A money value the device gave, or undefined when it is absent or unreadable. */
const moneyOrUnknown = (value: number | string | undefined): number | undefined => {
  if (value === undefined || value === '') return undefined;
  try {
    return ikkmAmountToMinor(value);
  } catch {
    return undefined;
  }
};

/**
 * The device's progressive totals (seed 002 shift report `fiscalData`: "текущие фискальные данные,
 * не зависят от выбранной смены" — so any shift's report gives the current ones). Undefined where
 * the report does not carry them. Seed 000's totals are sales and sale returns.
 */
export function progressiveTotals(
  report: IkkmShiftReport,
): Pick<ShiftCounters, 'progressiveTotalSales' | 'progressiveTotalReturns'> {
  const data = report.fiscalData as (IkkmShiftReport['fiscalData'] & { sale?: number | string }) | undefined;
  // The seed writes `sales` here (and `sale` in fiscalDataOnShiftOpen); either spelling is read.
  const sales = moneyOrUnknown(data?.sales ?? data?.sale);
  const returns = moneyOrUnknown(data?.saleReturn);
  return {
    ...(sales !== undefined ? { progressiveTotalSales: sales } : {}),
    ...(returns !== undefined ? { progressiveTotalReturns: returns } : {}),
  };
}

/**
 * The shift report in the canonical counters (seed 000 close_shift / z_report fields), or
 * undefined when the report has no figures of its own (an archived shift: "только фискальные
 * данные и isArhived=true"). The iKKM reports no discount, markup or annulled sums: those counters
 * are left out (unknown), never 0.
 */
export function shiftReportToCounters(report: IkkmShiftReport): ShiftCounters | undefined {
  if (report.isArhived === true || report.saleDetails === undefined) return undefined;
  return {
    ...emptyShiftCounters(),
    cashBalance: money(report.cashWeHave),
    ...progressiveTotals(report),
    countSales: report.saleDetails?.cheques ?? 0,
    sumSales: money(report.saleDetails?.sum),
    countReturns: report.saleReturnDetails?.cheques ?? 0,
    sumReturns: money(report.saleReturnDetails?.sum),
    countInsert: report.cashInDocCount ?? 0,
    sumInsert: money(report.cashInTotal),
    countRemove: report.cashOutDocCount ?? 0,
    sumRemove: money(report.cashOutTotal),
  };
}

/** Seed 002 `/dump/table/shifts/<n>/cheques` row. */
export interface IkkmChequeRow {
  chequeId?: number | string;
  chequeType?: string | number;
  chequeSales?: { saleSum?: number | string }[];
}

/** The number of the last cheque in a shift's cheque list; undefined when it lists none. */
export function lastChequeNumber(rows: unknown): number | undefined {
  if (!Array.isArray(rows)) return undefined;
  let last: number | undefined;
  for (const row of rows as IkkmChequeRow[]) {
    const id = intOf(row?.chequeId);
    if (id !== undefined && (last === undefined || id > last)) last = id;
  }
  return last;
}

export const ikkmMoney = money;
