import { randomBytes } from 'node:crypto';
import type { Tiyn } from './money';
import { toTengeNumber } from './money';
import type { Readings } from './readings';
import { formatRegisterDate } from './register-time';

/** Seed 003 enums, by their codes. */
export const OperationType = { BUY: 0, BUY_RETURN: 1, SELL: 2, SELL_RETURN: 3 } as const;
export type OperationType = (typeof OperationType)[keyof typeof OperationType];
export const OPERATION_NAMES: Record<OperationType, string> = {
  0: 'OPERATION_BUY',
  1: 'OPERATION_BUY_RETURN',
  2: 'OPERATION_SELL',
  3: 'OPERATION_SELL_RETURN',
};
/** The order the seed's ZXReport example lists per-operation totals in. */
export const REPORT_OPERATION_ORDER: readonly OperationType[] = [2, 0, 3, 1];

export const PaymentType = { CASH: 0, CARD: 1, MOBILE: 4 } as const;
export type PaymentType = (typeof PaymentType)[keyof typeof PaymentType];
export const PAYMENT_TYPES: readonly number[] = [0, 1, 4];

export const CommandType = { TICKET: 1, CLOSE_SHIFT: 2, REPORT: 3, MONEY_PLACEMENT: 6 } as const;
export type CommandType = (typeof CommandType)[keyof typeof CommandType];

export const MoneyPlacementType = { DEPOSIT: 0, WITHDRAWAL: 1 } as const;
export type MoneyPlacementType = (typeof MoneyPlacementType)[keyof typeof MoneyPlacementType];

export const ReportType = { Z: 0, X: 1 } as const;
export type ReportType = (typeof ReportType)[keyof typeof ReportType];

export const OperatorRole = { ADMINISTRATOR: 1, SENIOR_CASHIER: 2, CASHIER: 3 } as const;
export type OperatorRole = (typeof OperatorRole)[keyof typeof OperatorRole];

export const TAXATION_TYPES: readonly number[] = [100, 101, 102, 103];

/** Seed 003 `GetOFDList` example, plus each OFD's consumer check site for QR codes. */
export const OFD_LIST = [
  { uid: '76A41602F148468EA85FA0ECBA8B4BBB', name: 'Казахтелеком', url: 'http://consumer.oofd.kz' },
  {
    uid: '4C49A0CB1DD4413387F6E6199CBB1B2A',
    name: 'Казахтелеком - test',
    url: 'http://consumer.test-oofd.kz',
  },
] as const;

/** Kazakhstan limits: a shift lasts at most 24 h, autonomous (offline) mode at most 72 h. */
export const SHIFT_MAX_MS = 24 * 3600_000;
export const OFFLINE_MAX_MS = 72 * 3600_000;
/** The license's register limit (code 74 beyond it). */
export const KKM_PER_OWNER_LIMIT = 10;
export const OWNER_ID = 1;

export interface OperatorRecord {
  id: number;
  name: string;
  role: OperatorRole;
  email: string;
  accessPin: string;
  /** The simulator's "authorization token" (the seed names tokens but has no method issuing them). */
  accessToken: string;
  ownerId: number;
  customData: unknown;
}

export interface RegInfo {
  org: {
    title: string;
    address: string;
    inn: string;
    taxation_type: number;
    okved: string;
    tenantId: number;
  };
  pos: { title: string; address: string };
  kkm: {
    point_of_payment_number: string;
    terminal_number: string;
    fns_kkm_id: string;
    serial_number: string;
    kkm_id: string;
  };
}

export interface KkmRecord {
  id: number;
  ofdId: number;
  ofdUid: string;
  ofdToken: number;
  localName: string;
  useSoftwareVpn: boolean;
  printer: { id: number; name: string; type: number } | null;
  autoWithdrawMoney: boolean;
  vatCertificate: { series: string; number: string; is_printable: boolean };
  customData: unknown;
  /** `bindings` of the KKM: operator IDs allowed besides administrators. */
  operatorIds: number[];
  ownerId: number;
  vendorId: string;
  manufactureMs: number;
  regInfo: RegInfo;
  adsInfo: unknown[];
  blocked: boolean;
  blockedInfo: string;
  invalidToken: boolean;
  /** The OFD link is down: documents are autonomous and queue up. */
  offline: boolean;
  offlineStartMs: number | null;
  offlineEndMs: number | null;
  /** Autonomous documents not yet delivered to the OFD. */
  offlineQueue: number;
  offlineTicketNumber: number;
  shiftOpen: boolean;
  /** Number of the current shift, or of the last closed one. */
  shiftNumber: number;
  /** Number of the last document in `shiftNumber` (0 before the first). */
  shiftDocumentNumber: number;
  shiftOpenMs: number | null;
  shiftCloseMs: number | null;
  cashTiyn: Tiyn;
  revenueTiyn: Tiyn;
  /** Indexed by OperationType. */
  nonNullableTiyn: Tiyn[];
  startShiftNonNullableTiyn: Tiyn[];
}

export interface CommodityFacts {
  name: string;
  sectionCode: string;
  quantityMilli: number;
  priceTiyn: Tiyn;
  sumTiyn: Tiyn;
  discountTiyn: Tiyn;
  markupTiyn: Tiyn;
}

export interface TaxFacts {
  percentMilli: number;
  /** The amount the tax was computed on (item net sum or receipt total). */
  turnoverTiyn: Tiyn;
  taxTiyn: Tiyn;
}

export interface TicketFacts {
  operation: OperationType;
  totalTiyn: Tiyn;
  takenTiyn: Tiyn;
  changeTiyn: Tiyn;
  /** As registered: cash already reduced by the change. */
  payments: { type: number; tiyn: Tiyn }[];
  receiptDiscountTiyn: Tiyn;
  receiptMarkupTiyn: Tiyn;
  commodities: CommodityFacts[];
  taxes: TaxFacts[];
  fiscalId: string;
  qrCode: string;
  customerIinOrBin: string;
}

export interface PlacementFacts {
  operation: MoneyPlacementType;
  sumTiyn: Tiyn;
  automatic: boolean;
}

export interface ReportFacts {
  reportType: ReportType;
  revenueTiyn: Tiyn;
  nonNullableTiyn: Tiyn[];
}

export interface TransactionRecord {
  id: number;
  kkmOfdId: number;
  atMs: number;
  command: CommandType;
  shiftNumber: number;
  shiftDocumentNumber: number;
  isOffline: boolean;
  operator: { code: number; name: string };
  ticket?: TicketFacts;
  placement?: PlacementFacts;
  report?: ReportFacts;
  /** The wire body (TicketObject, ReportObject or MoneyPlacementObject) exactly as answered. */
  body: unknown;
}

export type JournalKind =
  'purchase' | 'purchaseReturn' | 'sale' | 'saleReturn' | 'deposit' | 'withdrawal' | 'zreport' | 'xreport';

export const JOURNAL_KIND_BY_OPERATION: Record<OperationType, JournalKind> = {
  0: 'purchase',
  1: 'purchaseReturn',
  2: 'sale',
  3: 'saleReturn',
};

/** One fiscal document, as tests count them (`GET /_sim/journal`). */
export interface JournalEntry {
  seq: number;
  kind: JournalKind;
  /** The seed's constant (`OPERATION_SELL`, `MONEY_PLACEMENT_DEPOSIT`, `REPORT_Z`, …). */
  operation: string;
  kkmOfdId: number;
  transactionId: number;
  shiftNumber: number;
  shiftDocumentNumber: number;
  fiscalNumber?: string;
  /** tiyn */
  total: Tiyn;
  /** tiyn per payment type, as registered (cash net of change). */
  payments: { type: number; sum: Tiyn }[];
  change?: Tiyn;
  offline: boolean;
  operatorId: number;
  at: number;
}

export interface LicenseInfo {
  licenseKey: string;
  email: string;
  phone: string;
  owner: string;
  orgId: string;
  address: string;
  activatedAt: number;
}

export interface SimState {
  version: 1;
  clockOffsetMs: number;
  /** The whole cash core has no internet: new registers cannot be registered with the OFD. */
  ofdLinkDown: boolean;
  license: LicenseInfo | null;
  nextKkmId: number;
  nextOperatorId: number;
  nextTransactionId: number;
  nextJournalSeq: number;
  nextFiscalSign: number;
  kkms: KkmRecord[];
  operators: OperatorRecord[];
  transactions: TransactionRecord[];
  journal: JournalEntry[];
}

export const newAccessToken = (): string => randomBytes(16).toString('hex');

/**
 * Seed 003's register 6923 as its GetKKMList example shows it, with a closed shift 117 and an empty
 * drawer. Its local ID is 1 (not the example's 501) so that the seed's SaveOperator example, which
 * binds the cashier to register 1, works as written.
 */
function initialRegister(): KkmRecord {
  return {
    id: 1,
    ofdId: 6923,
    ofdUid: '4C49A0CB1DD4413387F6E6199CBB1B2A',
    ofdToken: 59359406,
    localName: 'Test_6923',
    useSoftwareVpn: false,
    printer: { id: 1, name: 'RPP300', type: 3 },
    autoWithdrawMoney: false,
    vatCertificate: { series: '', number: '', is_printable: false },
    customData: null,
    operatorIds: [],
    ownerId: OWNER_ID,
    vendorId: 'ISCR1018036404743',
    manufactureMs: Date.UTC(2024, 11, 23, 12, 0, 0),
    regInfo: {
      org: {
        title: 'ЧН ГЕОРГИАДИ ЛИЛИЯ ГЕННАДЬЕВНА',
        address: 'г. Темиртау, Республики / ',
        inn: '910812450255',
        taxation_type: 0,
        okved: '',
        tenantId: 1,
      },
      pos: { title: 'Для Макса', address: 'г. Нур-Султан, р-н Есиль, Республики 1' },
      kkm: {
        point_of_payment_number: '',
        terminal_number: '',
        fns_kkm_id: '010100134464',
        serial_number: 'ISCR1018036404743',
        kkm_id: '6923',
      },
    },
    adsInfo: [
      {
        info: { type: 0, version: 601 },
        Text:
          'ОФД - АО "КАЗАХТЕЛЕКОМ"\nФиск. признак ${ticket_number}\nКод ККМ КГД: 010100134464\n' +
          'Для проверки чека зайдите на сайт:\nhttp://consumer.test-oofd.kz',
      },
    ],
    blocked: false,
    blockedInfo: '',
    invalidToken: false,
    offline: false,
    offlineStartMs: null,
    offlineEndMs: null,
    offlineQueue: 0,
    offlineTicketNumber: 1003,
    shiftOpen: false,
    shiftNumber: 117,
    shiftDocumentNumber: 0,
    shiftOpenMs: null,
    shiftCloseMs: null,
    cashTiyn: 0,
    revenueTiyn: 0,
    nonNullableTiyn: [175300, 12300, 72798698, 3127600],
    startShiftNonNullableTiyn: [175300, 12300, 72798698, 3127600],
  };
}

export function createInitialState(options: { adminPin: string; adminToken: string }): SimState {
  return {
    version: 1,
    clockOffsetMs: 0,
    ofdLinkDown: false,
    license: null,
    nextKkmId: 2,
    nextOperatorId: 2,
    nextTransactionId: 1,
    nextJournalSeq: 1,
    nextFiscalSign: 2_851_745_236,
    kkms: [initialRegister()],
    operators: [
      {
        id: 1,
        name: 'Administrator',
        role: OperatorRole.ADMINISTRATOR,
        email: '',
        accessPin: options.adminPin,
        accessToken: options.adminToken,
        ownerId: 0,
        customData: null,
      },
    ],
    transactions: [],
    journal: [],
  };
}

/** A new register registered through SaveKKM: serial, KGD id and a fresh counter set. */
export function newRegister(
  state: SimState,
  fields: { ofdId: number; ofdUid: string; ofdToken: number; vendorId: string; now: number },
): KkmRecord {
  const template = initialRegister();
  const fnsKkmId = `0101${String(fields.ofdId).padStart(8, '0')}`;
  return {
    ...template,
    id: state.nextKkmId++,
    ofdId: fields.ofdId,
    ofdUid: fields.ofdUid,
    ofdToken: fields.ofdToken,
    localName: `KKM_${fields.ofdId}`,
    printer: null,
    vendorId: fields.vendorId,
    manufactureMs: fields.now,
    regInfo: {
      ...template.regInfo,
      kkm: {
        ...template.regInfo.kkm,
        fns_kkm_id: fnsKkmId,
        serial_number: fields.vendorId,
        kkm_id: String(fields.ofdId),
      },
    },
    adsInfo: [],
    offline: state.ofdLinkDown,
    offlineStartMs: state.ofdLinkDown ? fields.now : null,
    offlineTicketNumber: 0,
    shiftNumber: 0,
    nonNullableTiyn: [0, 0, 0, 0],
    startShiftNonNullableTiyn: [0, 0, 0, 0],
  };
}

/** `ISCR` + 13 digits, like the seed's `ISCR1036260746997`; unique among known registers. */
export function generateVendorId(state: SimState, now: number): string {
  let candidate = 1_000_000_000_000 + (now % 100_000_000_000);
  const taken = new Set(state.kkms.map((k) => k.vendorId));
  while (taken.has(`ISCR${candidate}`)) candidate += 1;
  return `ISCR${candidate}`;
}

export const findKkm = (state: SimState, ofdId: number): KkmRecord | undefined =>
  state.kkms.find((k) => k.ofdId === ofdId);

export const ofdOf = (kkm: KkmRecord) => OFD_LIST.find((o) => o.uid === kkm.ofdUid) ?? OFD_LIST[1];

/** Documents are autonomous while the OFD link is down or the OFD refuses the register's token. */
export const isAutonomous = (kkm: KkmRecord): boolean => kkm.offline || kkm.invalidToken;

/** Opens the next shift: seed 003 has no "open shift" method, the first document opens it. */
export function openShiftIfClosed(kkm: KkmRecord, now: number): void {
  if (kkm.shiftOpen) return;
  kkm.shiftOpen = true;
  kkm.shiftNumber += 1;
  kkm.shiftDocumentNumber = 0;
  kkm.shiftOpenMs = now;
  kkm.shiftCloseMs = null;
  kkm.revenueTiyn = 0;
  kkm.startShiftNonNullableTiyn = [...kkm.nonNullableTiyn];
}

export interface DocumentNumbers {
  transactionId: number;
  shiftNumber: number;
  shiftDocumentNumber: number;
  isOffline: boolean;
  atMs: number;
}

/** Takes the next transaction ID and shift document number (every fiscal document, X reports included). */
export function allocateDocument(state: SimState, kkm: KkmRecord, now: number): DocumentNumbers {
  kkm.shiftDocumentNumber += 1;
  const isOffline = isAutonomous(kkm);
  if (isOffline) kkm.offlineQueue += 1;
  return {
    transactionId: state.nextTransactionId++,
    shiftNumber: kkm.shiftNumber,
    shiftDocumentNumber: kkm.shiftDocumentNumber,
    isOffline,
    atMs: now,
  };
}

export function appendJournal(state: SimState, entry: Omit<JournalEntry, 'seq'>): void {
  state.journal.push({ seq: state.nextJournalSeq++, ...entry });
}

/** The link to the OFD comes back: the autonomous queue is delivered at once. */
export function setRegisterOffline(kkm: KkmRecord, offline: boolean, now: number): void {
  if (offline === kkm.offline) return;
  kkm.offline = offline;
  if (offline) {
    kkm.offlineStartMs = now;
  } else {
    kkm.offlineEndMs = now;
    if (!kkm.invalidToken) kkm.offlineQueue = 0;
  }
}

/**
 * The counters `KKMObject` shows. With a shift open: the shift and its last document. With the
 * shift closed (after a Z, before the next document) the seed shows nothing, so it follows the
 * `closedShift` reading: `last` = the closed shift and its Z's number, `lastZero` = the closed shift
 * and 0, `next` = the number the next shift will take and 0.
 */
export function shownCounters(
  kkm: KkmRecord,
  readings: Pick<Readings, 'closedShift'>,
): { shiftNumber: number; shiftDocumentNumber: number } {
  if (kkm.shiftOpen || readings.closedShift === 'last')
    return { shiftNumber: kkm.shiftNumber, shiftDocumentNumber: kkm.shiftDocumentNumber };
  if (readings.closedShift === 'lastZero') return { shiftNumber: kkm.shiftNumber, shiftDocumentNumber: 0 };
  return { shiftNumber: kkm.shiftNumber + 1, shiftDocumentNumber: 0 };
}

/** Seed 003 `KKMObject`, fields in the order of the GetKKMList example. */
export function kkmObject(
  kkm: KkmRecord,
  offsetMinutes: number,
  readings: Pick<Readings, 'closedShift'>,
): Record<string, unknown> {
  const shown = shownCounters(kkm, readings);
  return {
    ofd_id: kkm.ofdId,
    ofd_uid: kkm.ofdUid,
    local_name: kkm.localName,
    use_software_vpn: kkm.useSoftwareVpn,
    printer: kkm.printer,
    auto_withdraw_money: kkm.autoWithdrawMoney,
    vat_certificate: kkm.vatCertificate,
    custom_data: kkm.customData ?? null,
    bindings: [...kkm.operatorIds],
    ID: kkm.id,
    is_offline: kkm.offline,
    fr_shift_number: shown.shiftNumber,
    shift_state: kkm.shiftOpen ? 1 : 0,
    is_blocked: kkm.blocked,
    shift_close_date: formatRegisterDate(kkm.shiftCloseMs, offsetMinutes),
    shift_document_number: shown.shiftDocumentNumber,
    owner_id: kkm.ownerId,
    offline_start_date: formatRegisterDate(kkm.offlineStartMs, offsetMinutes),
    is_invalid_token: kkm.invalidToken,
    start_shift_non_nullable_sums: kkm.startShiftNonNullableTiyn.map(toTengeNumber),
    non_nullable_sums: kkm.nonNullableTiyn.map(toTengeNumber),
    ads_info: kkm.adsInfo,
    vendor_id: kkm.vendorId,
    offline_end_date: formatRegisterDate(kkm.offlineEndMs, offsetMinutes),
    cash_sum: toTengeNumber(kkm.cashTiyn),
    shift_open_date: formatRegisterDate(kkm.shiftOpenMs, offsetMinutes),
    blocked_info: kkm.blockedInfo,
    revenue: toTengeNumber(kkm.revenueTiyn),
    offline_ticket_number: kkm.offlineTicketNumber,
    reg_info: kkm.regInfo,
    local_state: 0,
  };
}

/** The header every fiscal answer (ticket, money placement, report) starts with. */
export function documentAnswerHeader(
  kkm: KkmRecord,
  commandType: CommandType,
  operatorName: string,
  numbers: DocumentNumbers,
) {
  return {
    command_type: commandType,
    is_offline: numbers.isOffline,
    is_invalid_token: kkm.invalidToken,
    kkm_local_name: kkm.localName,
    operator_name: operatorName,
    fr_shift_number: numbers.shiftNumber,
    shift_document_number: numbers.shiftDocumentNumber,
    shift_state: kkm.shiftOpen ? 1 : 0,
    reg_info: kkm.regInfo,
    vat_certificate: kkm.vatCertificate,
  };
}
