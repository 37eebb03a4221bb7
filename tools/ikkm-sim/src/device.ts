import { randomInt } from 'node:crypto';
import { Code } from './answer-codes';
import {
  codeAnswer,
  emptyAnswer,
  fail,
  type HttpAnswer,
  jsonAnswer,
  keyAnswer,
  ok,
  type Outcome,
  readyAnswer,
} from './answers';
import { DAY_MS, HOUR_MS, type SimClock } from './clock';
import { formatTengeFixed, MAX_REGISTRATION_TIYN, parseAmount, parseWholeTenge } from './money';
import { type PrintSource, Printer, renderPrintText } from './printer';
import { receiptLines } from './receipt-text';
import { planRegistration, readRegistration } from './registration';
import {
  cashiersTable,
  catalogTable,
  chequesReport,
  deviceInfo,
  itemsTable,
  openShiftOf,
  type ReportContext,
  salesReport,
  shiftReport,
  shiftsTable,
  taxesTable,
  transactionInfo,
} from './reports';
import type { WebApiRequest } from './request';
import {
  type CashMovementKind,
  type DeviceState,
  emptyPayments,
  initialState,
  type JournalEntry,
  type JournalKind,
  type OfdPosition,
  type Payments,
  REGISTRATION_KINDS,
  type RegistrationKind,
  type SaleLine,
  type ShiftRecord,
} from './state';
import type { StateStore } from './state-store';

/** Seed -3: "смена привысила 24 часа". */
export const SHIFT_LIMIT_MS = DAY_MS;
/** Seed -4: "офлайн период более 72 часов". */
export const OFFLINE_LIMIT_MS = 72 * HOUR_MS;
/** Below this charge the device refuses to fiscalise (-5 "низкий заряд батареи ккм"). */
export const LOW_BATTERY_PERC = 10;

export interface DeviceOptions {
  store: StateStore;
  clock: SimClock;
  initialKey: string;
  factorySerialNumber: string;
  utcOffsetMinutes: number;
}

/** A fiscal document about to be committed (a cheque or a cash movement). */
interface DocumentDraft {
  kind: RegistrationKind | CashMovementKind;
  amount: number;
  total: number;
  payments: Payments;
  change: number;
  cashDelta: number;
  taxId?: number;
  taxAmount: number;
  lines: Omit<SaleLine, 'id'>[];
  ofdItems: OfdPosition[];
  itemsSummarized: boolean;
  itemdataCount: number;
  print?: string;
}

/**
 * The simulated iKKM: its key, shifts, fiscal journal and the seed's rules. Every method takes a
 * parsed web-api request and returns the device's answer; every change is saved to the state
 * store before the method returns, so the HTTP layer only ever sends answers that are on disk.
 *
 * Concurrency ("-2 происходит регистрация") is the HTTP layer's business through `tryLock`: the
 * device itself handles one request at a time.
 */
export class IkkmDevice {
  state: DeviceState;
  readonly printer = new Printer();
  /**
   * Keys already used by a key-rotating operation → the document made with it, for
   * `/dump/transaction/<key>` (the device's fiscal memory: it survives a restart).
   */
  private usedKeys = new Map<string, JournalEntry>();
  /**
   * The replay memory (seed line 22 "При повторном запросе, iKKM повторит ответ"): only the last
   * key-rotating operation's key and answer, in memory only — lost when the device restarts
   * (and on `POST /_sim/reboot`), as the seed's printLastDocument -7 "iKKM был перезагружен"
   * shows such memory is.
   */
  private replay: { key: string; entry: JournalEntry } | undefined;
  private registering = false;
  /** Real time until which the bank application keeps the device busy. */
  private bankBusyUntil = 0;
  /** Lost on restart, as on the device: printLastDocument then answers -7. */
  private lastDocument: { lines: string[] } | undefined;

  constructor(private readonly options: DeviceOptions) {
    const saved = options.store.load();
    this.state = saved ?? initialState(options.initialKey, options.factorySerialNumber);
    // A state saved before the setting existed: strict (seed -9, digits only).
    this.state.settings.acceptDecimals ??= false;
    options.clock.offsetMs = this.state.clockOffsetMs;
    this.indexKeys();
  }

  /** Writes a fresh device's state (a loaded one is already on disk). */
  async init(): Promise<void> {
    await this.options.store.save(this.state);
  }

  now(): number {
    return this.options.clock.now();
  }

  // ---- concurrency ----

  isBusy(): boolean {
    return this.registering || Date.now() < this.bankBusyUntil;
  }

  tryLock(): boolean {
    if (this.isBusy()) return false;
    this.registering = true;
    return true;
  }

  unlock(): void {
    this.registering = false;
  }

  // ---- web-api: key-rotating operations ----

  /** `/api`: sale, buy, saleReturn, buyReturn. */
  async register(request: WebApiRequest): Promise<HttpAnswer> {
    const auth = this.authorize(request, { replay: true });
    if (!auth.ok) return auth.answer;
    const parsed = readRegistration(request, this.state.settings.acceptDecimals);
    if (!parsed.ok) return parsed.answer;
    const blocked = this.hardwareProblem() ?? this.fiscalBlock();
    if (blocked !== undefined) return codeAnswer(blocked);
    const plan = planRegistration(parsed.value, {
      ...this.state,
      acceptDecimals: this.state.settings.acceptDecimals,
    });
    if (!plan.ok) return plan.answer;
    const { tax, ...rest } = plan.value;
    return this.commitDocument({ ...rest, taxId: tax.id }, auth.value);
  }

  /** `/apideposit`, `/apiwithdraw`: "cash положительное, целое число"; the key rotates as for `/api`. */
  async cashMovement(kind: CashMovementKind, request: WebApiRequest): Promise<HttpAnswer> {
    const auth = this.authorize(request, { replay: true });
    if (!auth.ok) return auth.answer;
    const text = request.params.get('cash');
    if (text === undefined) return codeAnswer(Code.RequestError);
    const amount = parseWholeTenge(text);
    if (amount === undefined || amount === 0 || amount > MAX_REGISTRATION_TIYN)
      return codeAnswer(Code.ValueError);
    const blocked = this.hardwareProblem() ?? this.fiscalBlock();
    if (blocked !== undefined) return codeAnswer(blocked);
    if (kind === 'withdraw' && this.state.cashWeHave < amount) return codeAnswer(Code.NoCashInDrawer);
    return this.commitDocument(
      {
        kind,
        amount,
        total: amount,
        payments: { ...emptyPayments(), cash: amount },
        change: 0,
        cashDelta: kind === 'deposit' ? amount : -amount,
        taxAmount: 0,
        lines: [],
        ofdItems: [],
        itemsSummarized: false,
        itemdataCount: 0,
      },
      auth.value,
    );
  }

  // ---- web-api: operations that keep the key ----

  /** `/apicheck`: 0 when a registration would be accepted, else the reason it would not. */
  check(request: WebApiRequest): HttpAnswer {
    const auth = this.authorize(request, { replay: false });
    if (!auth.ok) return auth.answer;
    const blocked = this.hardwareProblem() ?? this.fiscalBlock();
    return blocked === undefined ? readyAnswer(this.state.lastDocumentNumber) : codeAnswer(blocked);
  }

  /** `/apicheck/getInfo` (`show=minimum` for the short form). */
  info(request: WebApiRequest): HttpAnswer {
    const auth = this.authorize(request, { replay: false });
    if (!auth.ok) return auth.answer;
    return jsonAnswer(deviceInfo(this.reportContext(), request.params.get('show') === 'minimum'));
  }

  /** `/apicheck/printLastDocument`: -7 when nothing was printed since the device started. */
  printLastDocument(request: WebApiRequest): HttpAnswer {
    const auth = this.authorize(request, { replay: false });
    if (!auth.ok) return auth.answer;
    const problem = this.hardwareProblem();
    if (problem !== undefined) return codeAnswer(problem);
    if (!this.lastDocument) return codeAnswer(Code.RequestError);
    this.printPaper('reprint', ['КОПИЯ', ...this.lastDocument.lines]);
    return readyAnswer(this.state.lastDocumentNumber);
  }

  /** `/apizreport`: closes the open shift; the key does not change. -7 when no shift is open. */
  async zReport(request: WebApiRequest): Promise<HttpAnswer> {
    const auth = this.authorize(request, { replay: false });
    if (!auth.ok) return auth.answer;
    const problem = this.hardwareProblem();
    if (problem !== undefined) return codeAnswer(problem);
    const shift = openShiftOf(this.state);
    if (!shift) return codeAnswer(Code.RequestError);
    const at = this.now();
    const entry = this.reportEntry('zreport', shift.number, auth.value, at);
    const saved = await this.commit(() => {
      shift.closedAt = at;
      this.state.journal.push(entry);
    });
    if (!saved) return codeAnswer(Code.DeviceError);
    this.printPaper('zreport', [
      `Z-отчёт, смена №${shift.number}`,
      `Наличных в кассе ${formatTengeFixed(this.state.cashWeHave)} тг`,
    ]);
    // Seed line 355: "Получение ответов не предусмотрено".
    return emptyAnswer();
  }

  /** `/apixreport`: prints the current figures; no state change but a journal line. */
  async xReport(request: WebApiRequest): Promise<HttpAnswer> {
    const auth = this.authorize(request, { replay: false });
    if (!auth.ok) return auth.answer;
    const problem = this.hardwareProblem();
    if (problem !== undefined) return codeAnswer(problem);
    const shiftNumber = this.state.shifts.at(-1)?.number ?? 0;
    const entry = this.reportEntry('xreport', shiftNumber, auth.value, this.now());
    const saved = await this.commit(() => this.state.journal.push(entry));
    if (!saved) return codeAnswer(Code.DeviceError);
    this.printPaper('xreport', [
      `X-отчёт, смена №${shiftNumber}`,
      `Наличных в кассе ${formatTengeFixed(this.state.cashWeHave)} тг`,
    ]);
    return emptyAnswer();
  }

  /** `/apiprint`: printer mode; `print` only in a POST body. */
  print(request: WebApiRequest): HttpAnswer {
    const auth = this.authorize(request, { replay: false });
    if (!auth.ok) return auth.answer;
    const text = request.params.get('print');
    if (text === undefined || request.method !== 'POST' || !request.bodyParams.has('print'))
      return codeAnswer(Code.RequestError);
    const problem = this.hardwareProblem();
    if (problem !== undefined) return codeAnswer(problem);
    const rendered = renderPrintText(text, this.state.settings.printingMode);
    this.printer.print({ at: this.now(), source: 'apiprint', ...rendered });
    // The seed never states what /apiprint answers on success: no body.
    return emptyAnswer();
  }

  /** `/apibank?amount=`: launches the bank application (answer 0); its result is not reported. */
  async bank(request: WebApiRequest): Promise<HttpAnswer> {
    const auth = this.authorize(request, { replay: false });
    if (!auth.ok) return auth.answer;
    const text = request.params.get('amount');
    if (text === undefined) return codeAnswer(Code.RequestError);
    const amount = parseAmount(text, this.state.settings.acceptDecimals);
    if (amount === undefined || amount === 0 || amount > MAX_REGISTRATION_TIYN)
      return codeAnswer(Code.ValueError);
    const at = this.now();
    const saved = await this.commit(() => this.state.bankLaunches.push({ at, amount }));
    if (!saved) return codeAnswer(Code.DeviceError);
    this.bankBusyUntil = Date.now() + this.state.settings.bankBusyMs;
    return readyAnswer(this.state.lastDocumentNumber);
  }

  // ---- web-api: reads ----

  /** `/dump/table/{items,catalog,taxes,cashiers,shifts}`. */
  dumpTable(table: string, request: WebApiRequest): HttpAnswer {
    const auth = this.authorize(request, { replay: false });
    if (!auth.ok) return auth.answer;
    switch (table) {
      case 'items':
        return jsonAnswer(itemsTable(this.state));
      case 'catalog':
        return jsonAnswer(catalogTable(this.state));
      case 'taxes':
        return jsonAnswer(taxesTable(this.state));
      case 'cashiers':
        return jsonAnswer(cashiersTable(this.state));
      case 'shifts':
        return this.seniorOnly() ?? jsonAnswer(shiftsTable(this.reportContext()));
      default:
        return codeAnswer(Code.MethodError);
    }
  }

  /** `/dump/table/shifts/<n>/{cheques,sales,report}`: senior cashier or administrator only (-16). */
  dumpShift(shiftText: string, report: 'cheques' | 'sales' | 'report', request: WebApiRequest): HttpAnswer {
    const auth = this.authorize(request, { replay: false });
    if (!auth.ok) return auth.answer;
    if (!/^\d{1,9}$/.test(shiftText)) return codeAnswer(Code.ValueError);
    const denied = this.seniorOnly();
    if (denied) return denied;
    const shift = this.state.shifts.find((candidate) => candidate.number === Number(shiftText));
    if (!shift) return codeAnswer(Code.RequestError);
    const context = this.reportContext();
    if (report === 'cheques') return jsonAnswer(chequesReport(context, shift));
    if (report === 'sales') return jsonAnswer(salesReport(context, shift));
    return jsonAnswer(shiftReport(context, shift));
  }

  /** `/dump/transaction/<key used>?key=<current key>`: -7 when no document was made with that key. */
  transaction(usedKey: string, request: WebApiRequest): HttpAnswer {
    const auth = this.authorize(request, { replay: false });
    if (!auth.ok) return auth.answer;
    if (!/^\d{1,18}$/.test(usedKey)) return codeAnswer(Code.ValueError);
    const entry = this.usedKeys.get(usedKey);
    if (!entry) return codeAnswer(Code.RequestError);
    return jsonAnswer(transactionInfo(this.reportContext(), entry));
  }

  // ---- simulation control ----

  async setClock(change: { advanceMs: number } | { set: number }): Promise<number> {
    const now =
      'set' in change ? this.options.clock.set(change.set) : this.options.clock.advance(change.advanceMs);
    await this.commit(() => {
      this.state.clockOffsetMs = this.options.clock.offsetMs;
    });
    return now;
  }

  /** Losing the OFD link starts the offline period; regaining it sends every queued document. */
  async setOffline(offline: boolean): Promise<void> {
    const now = this.now();
    await this.commit(() => {
      if (offline && !this.state.offline) this.state.offlineSince = now;
      if (!offline) {
        this.state.offlineSince = null;
        for (const entry of this.state.journal) {
          if (entry.ofd?.status === 0) entry.ofd = { status: 1, submittedAt: now, onlineCode: onlineCode() };
        }
      }
      this.state.offline = offline;
    });
  }

  async updateSettings(change: Partial<DeviceState['settings']>): Promise<void> {
    await this.commit(() => Object.assign(this.state.settings, change));
  }

  /**
   * A restart without restarting the process: what the device keeps only in memory is gone — the
   * replay memory (a repeat of the last key now answers -1) and the last document for
   * printLastDocument (-7). The fiscal memory (key, journal, `/dump/transaction`) stays.
   */
  reboot(): void {
    this.replay = undefined;
    this.lastDocument = undefined;
    this.bankBusyUntil = 0;
  }

  /** The key whose repeat would be answered 203 now, if any. */
  replayKey(): string | null {
    return this.replay?.key ?? null;
  }

  /** Back to the state of a new device with the initial key; the journal is emptied. */
  async reset(): Promise<void> {
    this.state = initialState(this.options.initialKey, this.options.factorySerialNumber);
    this.options.clock.offsetMs = 0;
    this.bankBusyUntil = 0;
    this.lastDocument = undefined;
    this.replay = undefined;
    this.printer.clear();
    this.indexKeys();
    await this.options.store.save(this.state);
  }

  openShift(): ShiftRecord | undefined {
    return openShiftOf(this.state);
  }

  // ---- rules ----

  /**
   * The key check every web-api call makes. For key-rotating operations the key of the last
   * registration replays that registration's answer with HTTP 203 ("iKKM повторит ответ,
   * регистрация не будет продублирована") — whatever the other parameters say, and only while the
   * device remembers it (not after a restart). Any other used key, and a used key anywhere else,
   * is just wrong (-1).
   */
  private authorize(request: WebApiRequest, options: { replay: boolean }): Outcome<string> {
    const key = request.params.get('key');
    if (key === undefined || key === '') return fail(Code.WrongKey);
    if (!/^\d+$/.test(key)) return fail(Code.ValueError);
    if (options.replay && this.replay?.key === key) {
      const used = this.replay.entry;
      if (used.checkNumber !== undefined)
        return { ok: false, answer: keyAnswer(used.newKey, used.checkNumber, true) };
    }
    if (key !== this.state.key) return fail(Code.WrongKey);
    return ok(key);
  }

  /** -5, -6: the device cannot print. */
  private hardwareProblem(): number | undefined {
    const { settings } = this.state;
    if (settings.batteryPerc < LOW_BATTERY_PERC) return Code.LowBattery;
    if (!settings.printerReady) return Code.PrinterNotReady;
    return undefined;
  }

  /** OFD block, -4, -3, -11: the device may not fiscalise now. */
  private fiscalBlock(): number | undefined {
    const now = this.now();
    const { settings } = this.state;
    if (settings.ofdBlockCode !== null) return settings.ofdBlockCode;
    if (
      this.state.offline &&
      this.state.offlineSince !== null &&
      now - this.state.offlineSince > OFFLINE_LIMIT_MS
    )
      return Code.OfflineOver72h;
    const shift = openShiftOf(this.state);
    if (shift && now - shift.openedAt > SHIFT_LIMIT_MS) return Code.ShiftOver24h;
    if (shift && shift.cashierId !== settings.cashierId) return Code.ShiftOfOtherCashier;
    return undefined;
  }

  /** Seed: the shift reports are "доступны пользователям Старший Кассир или Администратор". */
  private seniorOnly(): HttpAnswer | undefined {
    const cashier = this.state.cashiers.find((candidate) => candidate.id === this.state.settings.cashierId);
    return cashier && cashier.role !== 'cashier' ? undefined : codeAnswer(Code.SeniorCashierOnly);
  }

  /**
   * Registers one fiscal document: opens a shift if none is open (the web-api has no "open
   * shift" — the first registration of the logged-in cashier opens it), numbers the document,
   * rotates the key, queues or sends it to the OFD, and saves all of it before answering.
   */
  private async commitDocument(draft: DocumentDraft, keyUsed: string): Promise<HttpAnswer> {
    const at = this.now();
    const newKey = this.generateKey();
    let entry: JournalEntry | undefined;
    const saved = await this.commit((state) => {
      let shift = openShiftOf(state);
      if (!shift) {
        shift = {
          number: (state.shifts.at(-1)?.number ?? 0) + 1,
          openedAt: at,
          closedAt: null,
          cashierId: state.settings.cashierId,
          fiscalOnOpen: { ...state.fiscal },
          cashOnOpen: state.cashWeHave,
        };
        state.shifts.push(shift);
      }
      const checkNumber = ++state.lastDocumentNumber;
      const lines = draft.lines.map((line) => ({ id: ++state.lastSaleLineId, ...line }));
      if ((REGISTRATION_KINDS as readonly string[]).includes(draft.kind))
        state.fiscal[draft.kind as RegistrationKind] += draft.total;
      state.cashWeHave += draft.cashDelta;
      entry = {
        seq: state.nextSeq++,
        kind: draft.kind,
        at,
        shiftNumber: shift.number,
        key: keyUsed,
        newKey,
        checkNumber,
        total: draft.total,
        amount: draft.amount,
        payments: draft.payments,
        change: draft.change,
        ...(draft.taxId !== undefined ? { taxId: draft.taxId } : {}),
        taxAmount: draft.taxAmount,
        lines,
        ofdItems: draft.ofdItems,
        itemsSummarized: draft.itemsSummarized,
        itemdataCount: draft.itemdataCount,
        ...(draft.print !== undefined ? { print: draft.print } : {}),
        cashAfter: state.cashWeHave,
        ofd: state.offline
          ? { status: 0, submittedAt: null, onlineCode: '' }
          : { status: 1, submittedAt: at, onlineCode: onlineCode() },
        cashierId: state.settings.cashierId,
      };
      state.journal.push(entry);
      state.key = newKey;
    });
    if (!saved || !entry || entry.checkNumber === undefined) return codeAnswer(Code.DeviceError);
    this.usedKeys.set(keyUsed, entry);
    this.replay = { key: keyUsed, entry };
    const paper = receiptLines(this.state, entry, this.options.utcOffsetMinutes);
    this.lastDocument = { lines: paper };
    const rendered =
      entry.print !== undefined ? renderPrintText(entry.print, this.state.settings.printingMode) : undefined;
    this.printer.print({
      at,
      source: draft.kind === 'deposit' || draft.kind === 'withdraw' ? draft.kind : 'receipt',
      lines: paper,
      cuts: rendered?.cuts ?? 0,
      cashDrawerOpened: rendered?.cashDrawerOpened ?? false,
    });
    return keyAnswer(newKey, entry.checkNumber, false);
  }

  private reportEntry(
    kind: Extract<JournalKind, 'zreport' | 'xreport'>,
    shiftNumber: number,
    key: string,
    at: number,
  ): JournalEntry {
    return {
      seq: this.state.nextSeq++,
      kind,
      at,
      shiftNumber,
      key,
      newKey: key,
      total: 0,
      amount: 0,
      payments: emptyPayments(),
      change: 0,
      taxAmount: 0,
      lines: [],
      ofdItems: [],
      itemsSummarized: false,
      itemdataCount: 0,
      cashAfter: this.state.cashWeHave,
      cashierId: this.state.settings.cashierId,
    };
  }

  /**
   * Applies a change and saves it. If the disk refuses, the in-memory state goes back to what is
   * on disk, so memory never claims an operation the journal does not hold.
   */
  private async commit(change: (state: DeviceState) => void): Promise<boolean> {
    change(this.state);
    try {
      await this.options.store.save(this.state);
      return true;
    } catch (error) {
      console.error(`ikkm-sim: could not save the state: ${(error as Error).message}`);
      this.state =
        this.options.store.load() ?? initialState(this.options.initialKey, this.options.factorySerialNumber);
      this.indexKeys();
      return false;
    }
  }

  /** Keys look like the seed's examples (`11112222`, `33334444`): 8 digits, never reused. */
  private generateKey(): string {
    for (;;) {
      const candidate = String(randomInt(10_000_000, 100_000_000));
      if (
        candidate !== this.state.key &&
        candidate !== this.state.initialKey &&
        !this.usedKeys.has(candidate)
      )
        return candidate;
    }
  }

  private indexKeys(): void {
    this.usedKeys = new Map(
      this.state.journal.filter((entry) => entry.key !== entry.newKey).map((entry) => [entry.key, entry]),
    );
  }

  private printPaper(source: PrintSource, lines: string[]): void {
    this.printer.print({ at: this.now(), source, lines, cuts: 0, cashDrawerOpened: false });
  }

  private reportContext(): ReportContext {
    return { state: this.state, now: this.now(), utcOffsetMinutes: this.options.utcOffsetMinutes };
  }
}

/** The OFD's number for a received document (seed example "020223112"). */
const onlineCode = (): string => String(randomInt(0, 1_000_000_000)).padStart(9, '0');
