/**
 * Everything the simulated iKKM remembers, as one JSON-serialisable value. It is what the state
 * store writes to disk, so a restart resumes with the same key, journal, shifts and counters.
 * Money is always integer tiyn; quantities integer thousandths.
 */

export type RegistrationKind = 'sale' | 'buy' | 'saleReturn' | 'buyReturn';
export type CashMovementKind = 'deposit' | 'withdraw';
export type JournalKind = RegistrationKind | CashMovementKind | 'zreport' | 'xreport';
export type PaymentKind = 'cash' | 'bank' | 'tara' | 'credit';

export const REGISTRATION_KINDS: readonly RegistrationKind[] = ['sale', 'buy', 'saleReturn', 'buyReturn'];
export const PAYMENT_KINDS: readonly PaymentKind[] = ['cash', 'bank', 'tara', 'credit'];

/** Seed `/dump/table/shifts/<n>/cheques` → `chequeType`: 0 продажа, 1 покупка, 2 возврат продажи, 3 возврат покупки. */
export const CHEQUE_TYPE: Record<RegistrationKind, string> = {
  sale: '0',
  buy: '1',
  saleReturn: '2',
  buyReturn: '3',
};

export type Payments = Record<PaymentKind, number>;

export interface FiscalTotals {
  sale: number;
  buy: number;
  saleReturn: number;
  buyReturn: number;
}

export type CashierRole = 'administrator' | 'seniorCashier' | 'cashier';

export interface Cashier {
  id: number;
  name: string;
  role: CashierRole;
}

export interface Tax {
  id: number;
  name: string;
  /** Rate in hundredths of a percent (1200 = 12 %). */
  rateBp: number;
  /**
   * true: the tax is inside the amount (VAT "в т.ч."); false: it is added on top, so the total
   * to pay is larger than `sale` — the seed's -12 "может возникнуть если налог насчитывается поверх суммы".
   */
  included: boolean;
}

/** Seed `/dump/table/items` row, verbatim field names. */
export interface ItemRow {
  uid: number;
  code1: number;
  code2: string;
  name: string;
  price1: number;
  itemtax1: number;
  itemtype: number;
  measure: number;
  catalogid: number;
}

export interface ShiftRecord {
  number: number;
  openedAt: number;
  closedAt: number | null;
  cashierId: number;
  /** Progressive totals when the shift opened (seed: "сумма всех продаж на начало смены"). */
  fiscalOnOpen: FiscalTotals;
  cashOnOpen: number;
}

/** One line of a cheque as the `/dump/table/shifts/<n>/sales` report shows it. */
export interface SaleLine {
  id: number;
  itemCode: string;
  name: string;
  qtyMilli: number;
  price: number;
  sum: number;
  taxId: number;
}

/** A position as the device sent it to the OFD (the itemdata texts, or the one summary line). */
export interface OfdPosition {
  name: string;
  price?: string;
  qty?: string;
  sum?: string;
  discount?: string;
}

export interface OfdStatus {
  /** Seed `/dump/transaction`: 0 не отправлен в ОФД, 1 отправлен. */
  status: 0 | 1;
  submittedAt: number | null;
  onlineCode: string;
}

export interface JournalEntry {
  seq: number;
  kind: JournalKind;
  at: number;
  shiftNumber: number;
  /** The key the request carried. */
  key: string;
  /** The key answered; equal to `key` for operations that do not rotate it (Z/X reports). */
  newKey: string;
  /** Document number (the HTTP status description of the answer); absent for Z/X reports. */
  checkNumber?: number;
  /** What the customer owes: amount plus a tax added on top (tiyn). */
  total: number;
  /** The `sale`/`buy`/… or `cash` value as requested (tiyn). */
  amount: number;
  payments: Payments;
  change: number;
  taxId?: number;
  taxAmount: number;
  lines: SaleLine[];
  ofdItems: OfdPosition[];
  /** More than 79 itemdata positions (or none): one summary position went to the OFD. */
  itemsSummarized: boolean;
  itemdataCount: number;
  print?: string;
  /** Cash in the drawer after this entry (tiyn). */
  cashAfter: number;
  ofd?: OfdStatus;
  cashierId: number;
}

export interface DeviceSettings {
  /** The cashier logged in on the device (the one whose shift a registration opens). */
  cashierId: number;
  batteryPerc: number;
  printerReady: boolean;
  /** When set (−100…−199) every registration and /apicheck answers it: the OFD blocked the KKM. */
  ofdBlockCode: number | null;
  /** /apibank keeps the device busy (-2) this long: the bank application is in the foreground. */
  bankBusyMs: number;
  printingMode: 'internal' | 'external';
  /**
   * Amounts with decimals (tiyn) accepted. Off by default: seed code -9 says "передавать только
   * цифры". A state saved before this setting existed reads as false.
   */
  acceptDecimals: boolean;
}

export interface DeviceState {
  version: 1;
  initialKey: string;
  key: string;
  clockOffsetMs: number;
  offline: boolean;
  /** Simulated time the OFD link went down (null while online). */
  offlineSince: number | null;
  lastDocumentNumber: number;
  lastSaleLineId: number;
  nextSeq: number;
  fiscal: FiscalTotals;
  cashWeHave: number;
  shifts: ShiftRecord[];
  journal: JournalEntry[];
  settings: DeviceSettings;
  cashiers: Cashier[];
  taxes: Tax[];
  defaultTaxId: number;
  items: ItemRow[];
  catalog: Record<string, string>;
  factorySerialNumber: string;
  bankLaunches: { at: number; amount: number }[];
}

export const emptyTotals = (): FiscalTotals => ({ sale: 0, buy: 0, saleReturn: 0, buyReturn: 0 });
export const emptyPayments = (): Payments => ({ cash: 0, bank: 0, tara: 0, credit: 0 });

/** Seed getInfo example: "factorySerialNumber": "011700029000". */
export const DEFAULT_SERIAL = '011700029000';

export const ADMINISTRATOR_ID = 1;
export const CASHIER_ID = 100;
export const SENIOR_CASHIER_ID = 201;

/**
 * A fresh device: an administrator logged in (so the reports the seed reserves for senior
 * cashiers work out of the box), a cashier and a senior cashier named as in the seed's example,
 * VAT 12 % by default, and a few goods from the seed's sample receipt.
 */
export function initialState(initialKey: string, factorySerialNumber = DEFAULT_SERIAL): DeviceState {
  return {
    version: 1,
    initialKey,
    key: initialKey,
    clockOffsetMs: 0,
    offline: false,
    offlineSince: null,
    lastDocumentNumber: 0,
    lastSaleLineId: 0,
    nextSeq: 1,
    fiscal: emptyTotals(),
    cashWeHave: 0,
    shifts: [],
    journal: [],
    settings: {
      cashierId: ADMINISTRATOR_ID,
      batteryPerc: 80,
      printerReady: true,
      ofdBlockCode: null,
      bankBusyMs: 0,
      printingMode: 'internal',
      acceptDecimals: false,
    },
    cashiers: [
      { id: ADMINISTRATOR_ID, name: 'Администратор', role: 'administrator' },
      { id: CASHIER_ID, name: 'Алия Кассир', role: 'cashier' },
      { id: SENIOR_CASHIER_ID, name: 'Наташа Старший Кассир', role: 'seniorCashier' },
    ],
    taxes: [
      { id: 1, name: 'НДС 12%', rateBp: 1200, included: true },
      { id: 2, name: 'Без НДС', rateBp: 0, included: true },
      { id: 3, name: 'Налог с продаж 5% сверху', rateBp: 500, included: false },
    ],
    defaultTaxId: 1,
    items: [
      {
        uid: 11,
        code1: 888,
        code2: '008123563127',
        name: 'Кофе',
        price1: 77,
        itemtax1: 1,
        itemtype: 0,
        measure: 0,
        catalogid: 16,
      },
      {
        uid: 12,
        code1: 1,
        code2: '4870001000013',
        name: 'Пиво',
        price1: 200,
        itemtax1: 1,
        itemtype: 0,
        measure: 0,
        catalogid: 2,
      },
      {
        uid: 13,
        code1: 2,
        code2: '4600000000022',
        name: 'Парламент сигареты',
        price1: 400,
        itemtax1: 1,
        itemtype: 0,
        measure: 0,
        catalogid: 2,
      },
      {
        uid: 14,
        code1: 3,
        code2: '8720000000031',
        name: 'Индийский чай "LIPTON" в бул',
        price1: 120,
        itemtax1: 1,
        itemtype: 0,
        measure: 0,
        catalogid: 16,
      },
    ],
    catalog: { '1': 'Кухня', '2': 'Бар', '16': 'Напитки' },
    factorySerialNumber,
    bankLaunches: [],
  };
}
