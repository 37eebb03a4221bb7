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

/** The shift report in the canonical counters (seed 000 close_shift / z_report fields). */
export function shiftReportToCounters(report: IkkmShiftReport): ShiftCounters {
  return {
    ...emptyShiftCounters(),
    cashBalance: money(report.cashWeHave),
    progressiveTotalSales: money(report.fiscalData?.sales),
    progressiveTotalReturns: money(report.fiscalData?.saleReturn),
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

export const ikkmMoney = money;
