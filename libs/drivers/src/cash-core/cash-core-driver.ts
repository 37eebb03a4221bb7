import {
  canonicalError,
  changeDue,
  emptyShiftCounters,
  minorToCashCoreRequest,
  type CanonicalCommand,
  type CanonicalError,
  type CanonicalErrorCode,
  type CommandOf,
  type CommandOutcome,
  type CommandResult,
  type CommandType,
  type DeviceWarning,
  type DocumentRef,
  type Operator,
  type OperatorRole,
  type RegisterCapabilities,
  type RegisterHealth,
  type ShiftCounters,
} from '@kassa-relay/protocol';
import type {
  ExecuteContext,
  ReconcileCheckpoint,
  ReconcileEntry,
  ReconcileVerdict,
  RegisterDriver,
} from '../register-driver';
import { CashCoreClient, type CashCoreCallResult } from './cash-core-client';
import {
  buildTicket,
  CASH_CORE_PAYMENT_KINDS,
  DEFAULT_MEASURE_UNIT_CODE,
  DEFAULT_SECTION_CODE,
  DEFAULT_TAXATION_TYPE,
  type TicketOptions,
} from './cash-core-receipt';
import {
  COMMAND,
  dateTimeObjectToIso,
  identityOf,
  int,
  isObject,
  type Json,
  type KkmState,
  list,
  LOCAL_STATE_VALUES_CONFLICT,
  minorOf,
  MONEY_PLACEMENT,
  nonEmpty,
  obj,
  readKkm,
  readTransactionEntry,
  registerDateToIso,
  REPORT,
  reportCounters,
  ROLE,
  shiftOf,
  str,
  type TransactionEntry,
  transactionCounters,
} from './cash-core-wire';
import { shiftTiming, warningsForError } from '../device-health';

export interface CashCoreDriverConfig {
  /** `http://host:port` of the cash core on the store LAN. */
  baseUrl: string;
  /** PIN or token of the operator the agent acts as, sent as `Authorization`. */
  accessCode: string;
  /** The register's ID at the OFD (`kkm_ofd_id` / `ofd_id`). */
  kkmOfdId: number;
  /** Per HTTP call; the seed gives no advice, so 15 s. */
  timeoutMs?: number;
  /** TaxationTypeEnum for every tax line: 100 STS, 101 RTS (default, as the seed's example), 102 TRFF, 103 TRBP. */
  taxationType?: number;
  /** `section_code` for items that carry none (required non-empty by the core). Default "1". */
  defaultSectionCode?: string;
  /** `measure_unit_code` (ИС ЭСФ) for items that carry none (required non-empty). Default "796" (штука). */
  defaultMeasureUnitCode?: string;
  /** `is_printable` for receipts and reports: print them on the core's printer. Default true. */
  print?: boolean;
  /** The core writes local time without a zone; Kazakhstan is UTC+5 (300), the default. */
  utcOffsetMinutes?: number;
  now?: () => Date;
}

export const CASH_CORE_DEFAULT_TIMEOUT_MS = 15_000;
export const CASH_CORE_DEFAULT_UTC_OFFSET_MINUTES = 300;
/** Kazakhstan: autonomous (offline) mode is allowed for 72 h; then the core refuses documents (18). */
const OFFLINE_LIMIT_HOURS = 72;

/** The method names the checkpoint carries; `operators.sync` stands for its SaveOperator/DeleteOperator steps. */
const OPERATORS_SYNC_METHOD = 'SaveOperator/DeleteOperator';

type CashCoreCheckpoint = Extract<ReconcileCheckpoint, { kind: 'cash-core' }>;
type Read<T> = { ok: true; value: T } | { ok: false; error: CanonicalError };

/** One execution: whether a fiscal call has left, so an unexpected failure is reported as unknown. */
interface Run {
  context: ExecuteContext;
  fiscalSent: boolean;
}

const ROLE_CODE: Record<OperatorRole, number> = {
  administrator: ROLE.ADMINISTRATOR,
  seniorCashier: ROLE.SENIOR_CASHIER,
  cashier: ROLE.CASHIER,
};
const ROLE_NAME: Record<number, OperatorRole> = {
  [ROLE.ADMINISTRATOR]: 'administrator',
  [ROLE.SENIOR_CASHIER]: 'seniorCashier',
  [ROLE.CASHIER]: 'cashier',
};

interface CoreOperator {
  id: number;
  name: string;
  role: number;
  email: string;
  pin: string | undefined;
  bindings: number[];
}

/** One SaveOperator or DeleteOperator call of an operators.sync plan. */
type OperatorStep = { method: 'SaveOperator' | 'DeleteOperator'; request: Record<string, unknown> };

/**
 * The "cash core" software register (seed 003, HTTP JSON API v2.0.2) behind the register interface.
 *
 * Exactly-once rests on the core's counters: before every call that may register a document the
 * driver reads the register's shift number, shift state and last document number (GetKKMList)
 * and hands them to the caller's journal; after a lost answer, `reconcile` looks in
 * GetTransactionList for a document newer than those counters that matches the command.
 */
export class CashCoreDriver implements RegisterDriver {
  readonly kind = 'cash-core' as const;
  private readonly client: CashCoreClient;
  private readonly now: () => Date;
  private readonly offset: number;
  private readonly ticketOptions: TicketOptions;
  private readonly print: boolean;
  private lastError: CanonicalError | undefined;

  constructor(private readonly config: CashCoreDriverConfig) {
    this.client = new CashCoreClient({
      baseUrl: config.baseUrl,
      accessCode: config.accessCode,
      timeoutMs: config.timeoutMs ?? CASH_CORE_DEFAULT_TIMEOUT_MS,
    });
    this.now = config.now ?? (() => new Date());
    this.offset = config.utcOffsetMinutes ?? CASH_CORE_DEFAULT_UTC_OFFSET_MINUTES;
    this.print = config.print ?? true;
    this.ticketOptions = {
      kkmOfdId: config.kkmOfdId,
      taxationType: config.taxationType ?? DEFAULT_TAXATION_TYPE,
      defaultSectionCode: config.defaultSectionCode ?? DEFAULT_SECTION_CODE,
      defaultMeasureUnitCode: config.defaultMeasureUnitCode ?? DEFAULT_MEASURE_UNIT_CODE,
      print: this.print,
    };
  }

  capabilities(): RegisterCapabilities {
    return {
      kind: 'cash-core',
      currency: 'KZT',
      commands: [
        'shift.open',
        'shift.close',
        'shift.forceClose',
        'receipt',
        'cash.in',
        'cash.out',
        'report.x',
        'report.z',
        'register.info',
        'operators.list',
        'operators.sync',
        'receipt.image',
        'receipt.reprint',
      ],
      receiptOperations: ['sale', 'saleReturn', 'buy', 'buyReturn'],
      paymentKinds: [...CASH_CORE_PAYMENT_KINDS],
      // Seed 003 has no method that opens a shift: the first document (ticket or money placement) does.
      shiftOpensWithFirstDocument: true,
      receiptImages: true,
      operatorSync: 'readWrite',
    };
  }

  async execute(command: CanonicalCommand, context: ExecuteContext): Promise<CommandOutcome> {
    const run: Run = { context, fiscalSent: false };
    let outcome: CommandOutcome;
    try {
      outcome = await this.dispatch(command, run);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      outcome = run.fiscalSent
        ? fail('RESULT_UNKNOWN', `ответ кассового ядра не обработан (${message}); нужна сверка`)
        : fail('INTERNAL', `ошибка драйвера кассового ядра: ${message}`);
    }
    this.lastError = outcome.ok ? undefined : outcome.error;
    return outcome;
  }

  private dispatch(command: CanonicalCommand, run: Run): Promise<CommandOutcome> {
    switch (command.type) {
      case 'shift.open':
        return this.openShift();
      case 'shift.close':
      case 'shift.forceClose':
        return this.report(command.type, REPORT.Z, run);
      case 'report.x':
        return this.report(command.type, REPORT.X, run);
      case 'receipt':
        return this.receipt(command, run);
      case 'cash.in':
      case 'cash.out':
        return this.moneyPlacement(command, run);
      case 'report.z':
        return this.lastZReport();
      case 'register.info':
        return this.registerInfo();
      case 'operators.list':
        return this.listOperators();
      case 'operators.sync':
        return this.syncOperators(command, run);
      case 'receipt.image':
        return this.documentImage(command);
      case 'receipt.reprint':
        return this.reprint(command);
      case 'payment.cancel':
        return Promise.resolve(
          fail(
            'NOT_SUPPORTED',
            'кассовое ядро не отменяет банковские платежи: отмена оплаты картой выполняется облаком как возврат продажи (receipt saleReturn)',
          ),
        );
    }
  }

  // ---- shifts and reports ----

  /**
   * Seed 003 has no "open shift" method: the core opens the next shift with the first document
   * (TradeOperation or MoneyPlacement). So `shift.open` only reads the register and answers its
   * state: an open shift as it is; a closed one as the number the next shift will have, open=false.
   */
  private async openShift(): Promise<CommandOutcome> {
    const read = await this.readKkm();
    if (!read.ok) return { ok: false, error: read.error };
    const kkm = read.value;
    const cashier = await this.ownName();
    const shift = kkm.shiftOpen ? shiftOf(kkm, this.offset) : { number: kkm.shiftNumber + 1, open: false };
    return {
      ok: true,
      result: {
        type: 'shift.open',
        shiftNumber: shift.number,
        shift: { ...shift, ...(cashier ? { cashier } : {}) },
        ...(cashier ? { cashier } : {}),
        counters: kkmCounters(kkm),
        identity: identityOf(kkm.regInfo, kkm.localName, kkm.vendorId),
        raw: kkm.raw,
      },
    };
  }

  /** ZXReport: Z closes the shift (shift.close, shift.forceClose), X reports the open shift. */
  private async report(type: CommandType, reportType: number, run: Run): Promise<CommandOutcome> {
    const read = await this.readKkm();
    if (!read.ok) return { ok: false, error: read.error };
    const kkm = read.value;
    if (!kkm.shiftOpen) {
      return fail(
        'SHIFT_NOT_OPEN',
        `смена ${kkm.shiftNumber} на кассе ${this.config.kkmOfdId} закрыта: отчёт снимать не с чего`,
      );
    }
    // The core has one way to close a shift: shift.forceClose is the same Z report (it also passes
    // a shift older than 24 h, which refuses every other document with code 31).
    const request = {
      kkm_ofd_id: this.config.kkmOfdId,
      report_type: reportType,
      is_printable: this.print,
    };
    const answer = await this.fiscalCall<unknown>(run, 'ZXReport', request, kkm);
    if (!answer.ok) return { ok: false, error: answer.error };
    return { ok: true, result: this.reportResult(type, obj(answer.data), obj(obj(answer.data)['body'])) };
  }

  /** The Z report of the last closed shift: a read from the core's transaction journal. */
  private async lastZReport(): Promise<CommandOutcome> {
    const read = await this.readKkm();
    if (!read.ok) return { ok: false, error: read.error };
    const kkm = read.value;
    const lastClosed = kkm.shiftOpen ? kkm.shiftNumber - 1 : kkm.shiftNumber;
    if (lastClosed < 1) return fail('NOT_FOUND', `на кассе ${this.config.kkmOfdId} ещё нет закрытых смен`);
    const found = await this.findZReport(lastClosed, 0);
    if (!found.ok) return { ok: false, error: found.error };
    if (!found.value) {
      return fail(
        'NOT_FOUND',
        `Z-отчёт смены ${lastClosed} не найден в журнале кассового ядра (GetTransactionList)`,
      );
    }
    return { ok: true, result: await this.reportFromTransaction('report.z', found.value, kkm) };
  }

  /** The Z report of a shift (COMMAND_CLOSE_SHIFT, or a COMMAND_REPORT of type Z) after a document number. */
  private async findZReport(
    shiftNumber: number,
    afterDocument: number,
  ): Promise<Read<TransactionEntry | undefined>> {
    const entries = await this.transactions({
      shift_number: shiftNumber,
      command_type_list: [COMMAND.CLOSE_SHIFT, COMMAND.REPORT],
    });
    if (!entries.ok) return entries;
    const z = entries.value
      .filter((e) => e.shiftNumber === shiftNumber && e.documentNumber > afterDocument)
      .filter(
        (e) =>
          e.command === COMMAND.CLOSE_SHIFT ||
          (e.command === COMMAND.REPORT && int(e.body['type']) === REPORT.Z),
      );
    return { ok: true, value: z[z.length - 1] };
  }

  private async reportFromTransaction(
    type: CommandType,
    entry: TransactionEntry,
    kkm: KkmState,
  ): Promise<CommandResult> {
    const full = await this.client.call<unknown>('GetTransaction', {
      kkm_ofd_id: this.config.kkmOfdId,
      transaction_id: entry.id,
    });
    const header: Json = {
      fr_shift_number: entry.shiftNumber,
      shift_document_number: entry.documentNumber,
      is_offline: entry.isOffline,
      shift_state:
        entry.command === COMMAND.CLOSE_SHIFT
          ? 0
          : kkm.shiftOpen && kkm.shiftNumber === entry.shiftNumber
            ? 1
            : 0,
      reg_info: kkm.regInfo,
      kkm_local_name: kkm.localName,
    };
    const body = full.ok ? obj(obj(full.data)['body']) : {};
    const result = this.reportResult(type, header, body);
    return full.ok ? { ...result, raw: full.data } : { ...result, raw: { transaction: entry } };
  }

  private reportResult(type: CommandType, header: Json, body: Json): CommandResult {
    const shiftNumber = int(header['fr_shift_number']) ?? int(body['shift_number']) ?? 0;
    const documentNumber = int(header['shift_document_number']);
    const openedAt = dateTimeObjectToIso(body['open_shift_time'], this.offset);
    const closedAt = dateTimeObjectToIso(body['close_shift_time'], this.offset);
    const cashier = nonEmpty(header['operator_name']);
    const open = int(header['shift_state']) === 1;
    const hasBody = Object.keys(body).length > 0;
    return {
      type,
      shiftNumber,
      ...(documentNumber !== undefined ? { documentNumber } : {}),
      shift: {
        number: shiftNumber,
        open,
        ...(openedAt ? { openedAt } : {}),
        ...(closedAt && !open ? { closedAt } : {}),
        ...(cashier ? { cashier } : {}),
      },
      ...(cashier ? { cashier } : {}),
      ...(hasBody ? { counters: reportCounters(body) } : {}),
      ...(typeof header['is_offline'] === 'boolean' ? { offline: header['is_offline'] } : {}),
      identity: identityOf(obj(header['reg_info']), str(header['kkm_local_name'])),
      raw: header,
    };
  }

  // ---- documents ----

  private async receipt(command: CommandOf<'receipt'>, run: Run): Promise<CommandOutcome> {
    // Checked before anything is sent: a payment kind the core does not know never reaches it.
    const built = buildTicket(command, this.ticketOptions);
    if (!built.ok) return { ok: false, error: built.error };
    const read = await this.readKkm();
    if (!read.ok) return { ok: false, error: read.error };
    const answer = await this.fiscalCall<unknown>(run, 'TradeOperation', built.plan.request, read.value);
    if (!answer.ok) return { ok: false, error: answer.error };
    const data = obj(answer.data);
    return { ok: true, result: this.ticketResult(command, data, obj(data['body'])) };
  }

  /**
   * A ticket's result from the TradeOperation answer (header = response_data) or, when reconciled,
   * from GetTransaction (header rebuilt from the transaction list entry, body = TicketObject).
   */
  private ticketResult(command: CommandOf<'receipt'>, header: Json, body: Json): CommandResult {
    const amounts = obj(body['amounts']);
    const shiftNumber = int(header['fr_shift_number']) ?? int(body['fr_shift_number']);
    const documentNumber = int(header['shift_document_number']) ?? int(body['shift_document_number']);
    const checkNumber = int(body['offline_ticket_number']);
    const fiscalId = nonEmpty(header['fiscal_id']);
    const qrPayload = nonEmpty(header['qr_code']) ?? nonEmpty(body['printed_ticket']);
    const cashier = nonEmpty(header['operator_name']) ?? nonEmpty(obj(body['operator'])['name']);
    const shiftState = int(header['shift_state']);
    return {
      type: 'receipt',
      ...(fiscalId ? { fiscalId } : {}),
      ...(qrPayload ? { qrPayload } : {}),
      ...(shiftNumber !== undefined ? { shiftNumber } : {}),
      ...(documentNumber !== undefined ? { documentNumber } : {}),
      ...(checkNumber !== undefined ? { checkNumber } : {}),
      total: minorOf(amounts['total']) ?? command.total,
      change: minorOf(amounts['change']) ?? changeDue(command),
      ...(cashier ? { cashier } : {}),
      ...(command.rrn ? { rrn: command.rrn } : {}),
      ...(typeof header['is_offline'] === 'boolean' ? { offline: header['is_offline'] } : {}),
      ...(shiftNumber !== undefined
        ? { shift: { number: shiftNumber, open: shiftState === undefined ? true : shiftState === 1 } }
        : {}),
      identity: identityOf(obj(header['reg_info']), str(header['kkm_local_name'])),
      raw: header,
    };
  }

  private async moneyPlacement(
    command: CommandOf<'cash.in'> | CommandOf<'cash.out'>,
    run: Run,
  ): Promise<CommandOutcome> {
    const read = await this.readKkm();
    if (!read.ok) return { ok: false, error: read.error };
    const request = {
      kkm_ofd_id: this.config.kkmOfdId,
      operation: command.type === 'cash.in' ? MONEY_PLACEMENT.DEPOSIT : MONEY_PLACEMENT.WITHDRAWAL,
      sum: minorToCashCoreRequest(command.amount),
    };
    const answer = await this.fiscalCall<unknown>(run, 'MoneyPlacement', request, read.value);
    if (!answer.ok) return { ok: false, error: answer.error };
    const data = obj(answer.data);
    return { ok: true, result: this.placementResult(command, data, obj(data['body'])) };
  }

  private placementResult(
    command: CommandOf<'cash.in'> | CommandOf<'cash.out'>,
    header: Json,
    body: Json,
  ): CommandResult {
    const shiftNumber = int(header['fr_shift_number']) ?? int(body['fr_shift_number']);
    const documentNumber = int(header['shift_document_number']) ?? int(body['printed_document_number']);
    const cashier = nonEmpty(header['operator_name']) ?? nonEmpty(obj(body['operator'])['name']);
    const shiftState = int(header['shift_state']);
    return {
      type: command.type,
      ...(shiftNumber !== undefined ? { shiftNumber } : {}),
      ...(documentNumber !== undefined ? { documentNumber } : {}),
      total: minorOf(body['sum']) ?? command.amount,
      ...(cashier ? { cashier } : {}),
      ...(typeof header['is_offline'] === 'boolean' ? { offline: header['is_offline'] } : {}),
      ...(shiftNumber !== undefined
        ? { shift: { number: shiftNumber, open: shiftState === undefined ? true : shiftState === 1 } }
        : {}),
      identity: identityOf(obj(header['reg_info']), str(header['kkm_local_name'])),
      raw: header,
    };
  }

  // ---- reads ----

  private async registerInfo(): Promise<CommandOutcome> {
    const read = await this.readKkm();
    if (!read.ok) return { ok: false, error: read.error };
    const kkm = read.value;
    let counters = kkmCounters(kkm);
    if (kkm.shiftOpen) {
      const entries = await this.transactions({ shift_number: kkm.shiftNumber });
      if (entries.ok)
        counters = transactionCounters(
          entries.value.filter((e) => e.shiftNumber === kkm.shiftNumber),
          kkm,
        );
    }
    const cashier = await this.ownName();
    const health = await this.healthFrom(kkm);
    const shift = shiftOf(kkm, this.offset);
    return {
      ok: true,
      result: {
        type: 'register.info',
        shiftNumber: kkm.shiftNumber,
        ...(kkm.shiftDocumentNumber > 0 ? { documentNumber: kkm.shiftDocumentNumber } : {}),
        shift: { ...shift, ...(cashier ? { cashier } : {}) },
        ...(cashier ? { cashier } : {}),
        counters,
        identity: identityOf(kkm.regInfo, kkm.localName, kkm.vendorId),
        health,
        offline: kkm.isOffline,
        raw: kkm.raw,
      },
    };
  }

  private async listOperators(): Promise<CommandOutcome> {
    const read = await this.readKkm();
    if (!read.ok) return { ok: false, error: read.error };
    const operators = await this.operators();
    if (!operators.ok) return { ok: false, error: operators.error };
    return { ok: true, result: this.operatorsResult('operators.list', operators.value, read.value) };
  }

  /** Operators who may use this register: administrators (every register) and those bound to it. */
  private operatorsResult(type: CommandType, operators: CoreOperator[], kkm: KkmState): CommandResult {
    const mine = operators.filter(
      (o) => o.role === ROLE.ADMINISTRATOR || (kkm.id !== undefined && o.bindings.includes(kkm.id)),
    );
    const canonical: Operator[] = mine.map((o) => ({
      code: o.id,
      name: o.name || `#${o.id}`,
      role: ROLE_NAME[o.role] ?? 'cashier',
    }));
    // PINs never leave the agent: the raw answer goes out without them.
    return { type, operators: canonical, raw: mine.map(({ pin: _pin, ...rest }) => rest) };
  }

  /**
   * operators.sync: SaveOperator for each upsert (bound to this register, other bindings kept) and,
   * for each code to delete, either DeleteOperator (bound to no other register) or a SaveOperator
   * that only removes this register from its bindings. Every step is planned and checked before
   * the first is sent; one checkpoint covers them all. Re-running the same sync is harmless.
   */
  private async syncOperators(command: CommandOf<'operators.sync'>, run: Run): Promise<CommandOutcome> {
    const read = await this.readKkm();
    if (!read.ok) return { ok: false, error: read.error };
    const kkm = read.value;
    if (kkm.id === undefined)
      return fail('DEVICE_ERROR', 'GetKKMList не сообщил локальный ID кассы: привязать кассиров нельзя');
    const existing = await this.operators();
    if (!existing.ok) return { ok: false, error: existing.error };
    const plan = planOperatorSync(command, existing.value, kkm.id);
    if (!plan.ok) return { ok: false, error: plan.error };
    if (plan.value.length > 0) {
      const stored = await this.storeCheckpoint(run, OPERATORS_SYNC_METHOD, plan.value.map(redactStep), kkm);
      if (!stored.ok) return { ok: false, error: stored.error };
      for (const step of plan.value) {
        const answer = await this.client.call<unknown>(step.method, step.request, { fiscal: true });
        if (!answer.ok) return { ok: false, error: answer.error };
      }
    }
    const after = await this.operators();
    if (!after.ok)
      return { ok: true, result: { type: 'operators.sync', raw: { steps: plan.value.map(redactStep) } } };
    return { ok: true, result: this.operatorsResult('operators.sync', after.value, kkm) };
  }

  private async documentImage(command: CommandOf<'receipt.image'>): Promise<CommandOutcome> {
    const ref = await this.resolveDocument(command.document);
    if (!ref.ok) return { ok: false, error: ref.error };
    const image = await this.client.image({
      kkm_ofd_id: this.config.kkmOfdId,
      fr_shift_number: ref.value.shiftNumber,
      shift_document_number: ref.value.documentNumber,
      is_original: true,
      ...(command.widthPx !== undefined ? { image_width: command.widthPx } : {}),
    });
    if (!image.ok) return { ok: false, error: image.error };
    return {
      ok: true,
      result: {
        type: 'receipt.image',
        shiftNumber: ref.value.shiftNumber,
        documentNumber: ref.value.documentNumber,
        ...(ref.value.fiscalId ? { fiscalId: ref.value.fiscalId } : {}),
        image: { contentType: 'image/png', base64: image.data.toString('base64') },
      },
    };
  }

  /**
   * Seed 003 has no call that sends an existing document to the printer (is_printable exists only
   * on TradeOperation and ZXReport, which make new documents). What it allows is the picture of a
   * document; a reprint is therefore the duplicate's image (GetDocumentImage, is_original=false)
   * with the document's fiscal data, for the client to print. Nothing is printed by the core.
   */
  private async reprint(command: CommandOf<'receipt.reprint'>): Promise<CommandOutcome> {
    const ref = await this.resolveDocument(command.document);
    if (!ref.ok) return { ok: false, error: ref.error };
    const { shiftNumber, documentNumber } = ref.value;
    const entries = await this.transactions({ shift_number: shiftNumber });
    const entry = entries.ok
      ? entries.value.find((e) => e.shiftNumber === shiftNumber && e.documentNumber === documentNumber)
      : undefined;
    const image = await this.client.image({
      kkm_ofd_id: this.config.kkmOfdId,
      fr_shift_number: shiftNumber,
      shift_document_number: documentNumber,
      is_original: false,
    });
    if (!image.ok) return { ok: false, error: image.error };
    const fiscalId =
      ref.value.fiscalId ??
      (entry?.command === COMMAND.TICKET ? nonEmpty(entry.body['fiscal_id']) : undefined);
    const total = entry ? minorOf(entry.body['sum']) : undefined;
    return {
      ok: true,
      result: {
        type: 'receipt.reprint',
        shiftNumber,
        documentNumber,
        ...(fiscalId ? { fiscalId } : {}),
        ...(total !== undefined ? { total } : {}),
        ...(entry ? { offline: entry.isOffline } : {}),
        image: { contentType: 'image/png', base64: image.data.toString('base64') },
        raw: { transaction: entry, printedByRegister: false },
      },
    };
  }

  private async resolveDocument(
    ref: DocumentRef,
  ): Promise<Read<{ shiftNumber: number; documentNumber: number; fiscalId?: string }>> {
    if ('shiftNumber' in ref)
      return { ok: true, value: { shiftNumber: ref.shiftNumber, documentNumber: ref.documentNumber } };
    if ('fiscalId' in ref) {
      // "Для поиска чеков по ФП следует указывать в параметре command_type_list только одно значение: COMMAND_TICKET".
      const entries = await this.transactions({
        command_type_list: [COMMAND.TICKET],
        fiscal_id: ref.fiscalId,
      });
      if (!entries.ok) return entries;
      const entry =
        entries.value.find((e) => nonEmpty(e.body['fiscal_id']) === ref.fiscalId) ?? entries.value[0];
      if (!entry)
        return {
          ok: false,
          error: canonicalError('NOT_FOUND', `чек с фискальным признаком ${ref.fiscalId} не найден на кассе`),
        };
      return {
        ok: true,
        value: {
          shiftNumber: entry.shiftNumber,
          documentNumber: entry.documentNumber,
          fiscalId: ref.fiscalId,
        },
      };
    }
    const read = await this.readKkm();
    if (!read.ok) return read;
    if (read.value.shiftDocumentNumber < 1) {
      return {
        ok: false,
        error: canonicalError('NOT_FOUND', `в смене ${read.value.shiftNumber} ещё нет документов`),
      };
    }
    return {
      ok: true,
      value: { shiftNumber: read.value.shiftNumber, documentNumber: read.value.shiftDocumentNumber },
    };
  }

  // ---- status ----

  async status(): Promise<RegisterHealth> {
    try {
      const ping = await this.client.call<unknown>('Ping', {});
      if (!ping.ok && ping.code === undefined) return this.unhealthy(ping.error, false);
      const read = await this.readKkm();
      if (!read.ok) return this.unhealthy(read.error, isDeviceAnswer(read.error));
      // The device answers again: a transport error from an earlier look is no longer news.
      if (this.lastError && TRANSPORT_ERRORS.has(this.lastError.code)) this.lastError = undefined;
      return await this.healthFrom(read.value);
    } catch (error) {
      return this.unhealthy(
        canonicalError('INTERNAL', `status: ${error instanceof Error ? error.message : String(error)}`),
        false,
      );
    }
  }

  private unhealthy(error: CanonicalError, reachable: boolean): RegisterHealth {
    this.lastError = error;
    return {
      reachable,
      checkedAt: this.now().toISOString(),
      offlineQueue: 0,
      warnings: warningsForError(error),
      lastError: error,
    };
  }

  private async healthFrom(kkm: KkmState): Promise<RegisterHealth> {
    const now = this.now();
    const shift = shiftOf(kkm, this.offset);
    const warnings: DeviceWarning[] = [];
    const add = (w: DeviceWarning) => {
      if (!warnings.includes(w)) warnings.push(w);
    };

    let shiftHoursLeft: number | undefined;
    if (shift.open && shift.openedAt) {
      const timing = shiftTiming(shift.openedAt, now);
      shiftHoursLeft = timing.hoursLeft;
      if (timing.warning) add(timing.warning);
    }

    // Documents are autonomous while the OFD link is down or the OFD refuses the token. The core
    // reports no queue length: the queue is the autonomous documents since autonomy began.
    let offlineQueue = 0;
    const offlineSince = kkm.isOffline ? registerDateToIso(kkm.offlineStartDate, this.offset) : undefined;
    if (kkm.isOffline || kkm.isInvalidToken) {
      const filter: Record<string, unknown> =
        kkm.isOffline && offlineSince && kkm.offlineStartDate
          ? { period_start: kkm.offlineStartDate }
          : { shift_number: kkm.shiftNumber };
      const entries = await this.transactions(filter);
      if (entries.ok) offlineQueue = entries.value.filter((e) => e.isOffline).length;
      if (offlineQueue > 0) add('offlineQueue');
    }
    if (offlineSince && (now.getTime() - Date.parse(offlineSince)) / 3_600_000 >= OFFLINE_LIMIT_HOURS)
      add('offlineTooLong');
    if (kkm.isBlocked || kkm.isInvalidToken || kkm.localState === LOCAL_STATE_VALUES_CONFLICT)
      add('ofdBlocked');
    if (this.lastError) for (const w of warningsForError(this.lastError)) add(w);

    return {
      reachable: true,
      checkedAt: now.toISOString(),
      shift,
      ...(shiftHoursLeft !== undefined ? { shiftHoursLeft } : {}),
      ...(kkm.cashSum !== undefined ? { cashBalance: kkm.cashSum } : {}),
      offlineQueue,
      ...(offlineSince ? { offlineSince } : {}),
      warnings,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      identity: identityOf(kkm.regInfo, kkm.localName, kkm.vendorId),
    };
  }

  // ---- reconciliation ----

  /**
   * Only reads, never sends the command again. A document is ours when it is newer than the
   * counters in the checkpoint (shift number, last document number in shift) and matches the
   * command: a ticket by operation, total and payment types; a money placement by operation and
   * sum; an X report by type. A Z report is done when the shift recorded open is closed or a newer
   * shift exists.
   */
  async reconcile(entry: ReconcileEntry): Promise<ReconcileVerdict> {
    const checkpoint = entry.checkpoint;
    if (!checkpoint) return { state: 'notDone', reason: 'no device call was recorded for this command' };
    if (checkpoint.kind !== 'cash-core')
      return { state: 'unknown', reason: `checkpoint of a ${checkpoint.kind} register, not a cash core` };
    if (checkpoint.kkmOfdId !== this.config.kkmOfdId) {
      return {
        state: 'unknown',
        reason: `checkpoint of register ${checkpoint.kkmOfdId}, this driver drives ${this.config.kkmOfdId}`,
      };
    }
    try {
      const read = await this.readKkm();
      if (!read.ok) return { state: 'unknown', reason: `cannot read the register: ${read.error.message}` };
      const kkm = read.value;
      const command = entry.command;
      if (checkpoint.method === OPERATORS_SYNC_METHOD && command.type === 'operators.sync') {
        return await this.reconcileOperators(command, kkm);
      }
      if (checkpoint.method === 'ZXReport' && reportTypeOf(checkpoint.request) === REPORT.Z) {
        return await this.reconcileZReport(entry.command.type, checkpoint, kkm);
      }
      const moved =
        kkm.shiftNumber > checkpoint.shiftNumber ||
        (kkm.shiftNumber === checkpoint.shiftNumber &&
          kkm.shiftDocumentNumber > checkpoint.shiftDocumentNumber);
      if (!moved) {
        return {
          state: 'notDone',
          reason: `no document after shift ${checkpoint.shiftNumber} document ${checkpoint.shiftDocumentNumber}: the register's counters did not move`,
        };
      }
      const match = matcherFor(command, checkpoint, this.ticketOptions);
      if (!match)
        return { state: 'unknown', reason: `${checkpoint.method} does not fit a ${command.type} command` };
      const found = await this.newerDocument(checkpoint, kkm, match.commandType, match.matches);
      if (!found.ok)
        return { state: 'unknown', reason: `cannot read the transaction list: ${found.error.message}` };
      if (!found.value) {
        return {
          state: 'notDone',
          reason: `no ${match.what} after shift ${checkpoint.shiftNumber} document ${checkpoint.shiftDocumentNumber} (up to shift ${kkm.shiftNumber} document ${kkm.shiftDocumentNumber})`,
        };
      }
      return {
        state: 'done',
        outcome: {
          ok: true,
          result: { ...(await this.reconciledResult(command, found.value, kkm)), replayed: true },
        },
      };
    } catch (error) {
      return {
        state: 'unknown',
        reason: `reconcile failed: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  }

  private async reconcileZReport(
    type: CommandType,
    checkpoint: CashCoreCheckpoint,
    kkm: KkmState,
  ): Promise<ReconcileVerdict> {
    if (!checkpoint.shiftOpen) {
      return {
        state: 'notDone',
        reason: `shift ${checkpoint.shiftNumber} was already closed when the call was prepared`,
      };
    }
    const closed =
      kkm.shiftNumber > checkpoint.shiftNumber ||
      (kkm.shiftNumber === checkpoint.shiftNumber && !kkm.shiftOpen);
    if (!closed) return { state: 'notDone', reason: `shift ${checkpoint.shiftNumber} is still open` };
    const found = await this.findZReport(checkpoint.shiftNumber, checkpoint.shiftDocumentNumber);
    const result: CommandResult =
      found.ok && found.value
        ? await this.reportFromTransaction(type, found.value, kkm)
        : {
            type,
            shiftNumber: checkpoint.shiftNumber,
            shift: { number: checkpoint.shiftNumber, open: false },
            identity: identityOf(kkm.regInfo, kkm.localName, kkm.vendorId),
            raw: { kkm: kkm.raw },
          };
    return { state: 'done', outcome: { ok: true, result: { ...result, replayed: true } } };
  }

  private async reconcileOperators(
    command: CommandOf<'operators.sync'>,
    kkm: KkmState,
  ): Promise<ReconcileVerdict> {
    const operators = await this.operators();
    if (!operators.ok)
      return { state: 'unknown', reason: `cannot read the operators: ${operators.error.message}` };
    if (kkm.id === undefined) return { state: 'unknown', reason: 'GetKKMList gave no local register ID' };
    const pending = planOperatorSync(command, operators.value, kkm.id);
    if (pending.ok && pending.value.length === 0) {
      return {
        state: 'done',
        outcome: {
          ok: true,
          result: { ...this.operatorsResult('operators.sync', operators.value, kkm), replayed: true },
        },
      };
    }
    return {
      state: 'notDone',
      reason: pending.ok ? `${pending.value.length} operator changes still to make` : pending.error.message,
    };
  }

  /** The first document after the checkpoint's counters, of a command type, that matches. */
  private async newerDocument(
    checkpoint: CashCoreCheckpoint,
    kkm: KkmState,
    commandType: number,
    matches: (entry: TransactionEntry) => boolean,
  ): Promise<Read<TransactionEntry | undefined>> {
    // Our document can only be in the checkpoint's shift or, if that one was closed, the next.
    const shifts = [checkpoint.shiftNumber, checkpoint.shiftNumber + 1].filter((s) => s <= kkm.shiftNumber);
    const newer: TransactionEntry[] = [];
    for (const shiftNumber of shifts) {
      const entries = await this.transactions({
        shift_number: shiftNumber,
        command_type_list: [commandType],
      });
      if (!entries.ok) return entries;
      newer.push(
        ...entries.value.filter(
          (e) =>
            e.command === commandType &&
            (e.shiftNumber > checkpoint.shiftNumber ||
              (e.shiftNumber === checkpoint.shiftNumber &&
                e.documentNumber > checkpoint.shiftDocumentNumber)),
        ),
      );
    }
    newer.sort((a, b) => a.shiftNumber - b.shiftNumber || a.documentNumber - b.documentNumber || a.id - b.id);
    return { ok: true, value: newer.find(matches) };
  }

  private async reconciledResult(
    command: CanonicalCommand,
    entry: TransactionEntry,
    kkm: KkmState,
  ): Promise<CommandResult> {
    if (command.type === 'report.x') return this.reportFromTransaction('report.x', entry, kkm);
    const full = await this.client.call<unknown>('GetTransaction', {
      kkm_ofd_id: this.config.kkmOfdId,
      transaction_id: entry.id,
    });
    const body = full.ok ? obj(obj(full.data)['body']) : {};
    const header: Json = {
      fr_shift_number: entry.shiftNumber,
      shift_document_number: entry.documentNumber,
      is_offline: entry.isOffline,
      shift_state: kkm.shiftNumber === entry.shiftNumber && kkm.shiftOpen ? 1 : 0,
      operator_name: obj(body['operator'])['name'],
      reg_info: kkm.regInfo,
      kkm_local_name: kkm.localName,
      ...(entry.command === COMMAND.TICKET ? { fiscal_id: entry.body['fiscal_id'] } : {}),
    };
    const raw = full.ok ? full.data : { transaction: entry };
    if (command.type === 'receipt') return { ...this.ticketResult(command, header, body), raw };
    if (command.type === 'cash.in' || command.type === 'cash.out')
      return { ...this.placementResult(command, header, body), raw };
    return { type: command.type, shiftNumber: entry.shiftNumber, documentNumber: entry.documentNumber, raw };
  }

  // ---- device access ----

  /**
   * Reads the counters, hands them to the caller's journal (awaited), and only then sends the call.
   * A checkpoint that cannot be stored stops the call: nothing is sent without it.
   */
  private async fiscalCall<T>(
    run: Run,
    method: string,
    request: Record<string, unknown>,
    before: KkmState,
  ): Promise<CashCoreCallResult<T>> {
    const stored = await this.storeCheckpoint(run, method, request, before);
    if (!stored.ok) return { ok: false, sent: false, error: stored.error };
    return this.client.call<T>(method, request, { fiscal: true });
  }

  private async storeCheckpoint(
    run: Run,
    method: string,
    request: unknown,
    before: KkmState,
  ): Promise<Read<true>> {
    try {
      await run.context.checkpoint({
        kind: 'cash-core',
        kkmOfdId: this.config.kkmOfdId,
        shiftNumber: before.shiftNumber,
        shiftOpen: before.shiftOpen,
        shiftDocumentNumber: before.shiftDocumentNumber,
        method,
        request,
        at: this.now().toISOString(),
      });
    } catch (error) {
      return {
        ok: false,
        error: canonicalError(
          'INTERNAL',
          `контрольная точка не сохранена, ${method} не отправлен: ${error instanceof Error ? error.message : String(error)}`,
        ),
      };
    }
    run.fiscalSent = true;
    return { ok: true, value: true };
  }

  private async readKkm(): Promise<Read<KkmState>> {
    const answer = await this.client.call<unknown>('GetKKMList', { ofd_id: this.config.kkmOfdId });
    if (!answer.ok) return { ok: false, error: answer.error };
    const raw = list(answer.data)
      .filter(isObject)
      .find((k) => int(k['ofd_id']) === this.config.kkmOfdId);
    if (!raw) {
      return {
        ok: false,
        error: canonicalError(
          'REGISTER_NOT_CONFIGURED',
          `касса ${this.config.kkmOfdId} не найдена в кассовом ядре (GetKKMList) или у этого PIN-кода нет к ней доступа`,
        ),
      };
    }
    return { ok: true, value: readKkm(raw) };
  }

  private async transactions(filter: Record<string, unknown>): Promise<Read<TransactionEntry[]>> {
    const answer = await this.client.call<unknown>('GetTransactionList', {
      kkm_ofd_id: this.config.kkmOfdId,
      ...filter,
    });
    if (!answer.ok) return { ok: false, error: answer.error };
    const entries = list(answer.data).flatMap((raw) => {
      const entry = readTransactionEntry(raw);
      return entry ? [entry] : [];
    });
    return { ok: true, value: entries };
  }

  private async operators(): Promise<Read<CoreOperator[]>> {
    const answer = await this.client.call<unknown>('GetOperatorList', {});
    if (!answer.ok) return { ok: false, error: answer.error };
    const operators = list(answer.data).flatMap((raw): CoreOperator[] => {
      const o = obj(raw);
      const id = int(o['ID'] ?? o['id']);
      if (id === undefined) return [];
      return [
        {
          id,
          name: str(o['name']) ?? '',
          role: int(o['role']) ?? ROLE.CASHIER,
          email: str(o['email']) ?? '',
          pin: str(o['access_pin']),
          bindings: list(o['bindings']).flatMap((b) => (int(b) !== undefined ? [int(b) as number] : [])),
        },
      ];
    });
    return { ok: true, value: operators };
  }

  /** The name of the operator whose PIN the driver uses (the core signs documents with it). */
  private async ownName(): Promise<string | undefined> {
    const operators = await this.operators();
    if (!operators.ok) return undefined;
    const code = this.config.accessCode.replace(/^bearer\s+/i, '').trim();
    return nonEmpty(operators.value.find((o) => o.pin === code)?.name);
  }
}

// ---- helpers ----

function kkmCounters(kkm: KkmState): ShiftCounters {
  return {
    ...emptyShiftCounters(),
    cashBalance: kkm.cashSum ?? 0,
    progressiveTotalSales: kkm.nonNullableSums[2] ?? 0,
    progressiveTotalReturns: kkm.nonNullableSums[3] ?? 0,
  };
}

const reportTypeOf = (request: unknown): number | undefined => int(obj(request)['report_type']);

interface Matcher {
  commandType: number;
  what: string;
  matches(entry: TransactionEntry): boolean;
}

/** What a document must look like to be the command's, from the canonical command itself. */
function matcherFor(
  command: CanonicalCommand,
  checkpoint: CashCoreCheckpoint,
  options: TicketOptions,
): Matcher | undefined {
  if (command.type === 'receipt' && checkpoint.method === 'TradeOperation') {
    const built = buildTicket(command, options);
    if (!built.ok) return undefined;
    const { operation, registeredPaymentTypes } = built.plan;
    return {
      commandType: COMMAND.TICKET,
      what: `ticket (operation ${operation}, total ${command.total}, payments ${registeredPaymentTypes.join('+')})`,
      matches: (e) => {
        if (int(e.body['operation']) !== operation || minorOf(e.body['sum']) !== command.total) return false;
        const payments = e.body['payments'];
        if (!Array.isArray(payments)) return true;
        const types = [
          ...new Set(payments.flatMap((p) => (int(p) !== undefined ? [int(p) as number] : []))),
        ].sort((a, b) => a - b);
        return (
          types.length === registeredPaymentTypes.length &&
          types.every((t, i) => t === registeredPaymentTypes[i])
        );
      },
    };
  }
  if ((command.type === 'cash.in' || command.type === 'cash.out') && checkpoint.method === 'MoneyPlacement') {
    const operation = command.type === 'cash.in' ? MONEY_PLACEMENT.DEPOSIT : MONEY_PLACEMENT.WITHDRAWAL;
    return {
      commandType: COMMAND.MONEY_PLACEMENT,
      what: `money placement (operation ${operation}, sum ${command.amount})`,
      matches: (e) => int(e.body['operation']) === operation && minorOf(e.body['sum']) === command.amount,
    };
  }
  if (command.type === 'report.x' && checkpoint.method === 'ZXReport') {
    return {
      commandType: COMMAND.REPORT,
      what: 'X report',
      matches: (e) => {
        const type = int(e.body['type']);
        return type === undefined || type === REPORT.X;
      },
    };
  }
  return undefined;
}

/**
 * The SaveOperator/DeleteOperator calls that bring the core's operators to what the command asks,
 * given the operators it has now; empty when nothing is left to do.
 */
function planOperatorSync(
  command: CommandOf<'operators.sync'>,
  existing: CoreOperator[],
  kkmId: number,
): Read<OperatorStep[]> {
  const steps: OperatorStep[] = [];
  for (const wanted of command.upsert) {
    const target =
      wanted.code !== undefined
        ? existing.find((o) => o.id === wanted.code)
        : existing.find((o) => o.name === wanted.name);
    if (wanted.code !== undefined && !target) {
      return {
        ok: false,
        error: canonicalError('NOT_FOUND', `кассира с кодом ${wanted.code} нет в кассовом ядре`),
      };
    }
    const pin = wanted.pin ?? target?.pin;
    if (!pin)
      return {
        ok: false,
        error: canonicalError('INVALID_REQUEST', `для нового кассира «${wanted.name}» нужен PIN-код`),
      };
    const role = ROLE_CODE[wanted.role];
    const bound = target?.bindings.includes(kkmId) ?? false;
    if (target && target.name === wanted.name && target.role === role && target.pin === pin && bound)
      continue;
    const bindings = [...new Set([...(target?.bindings ?? []), kkmId])];
    steps.push({
      method: 'SaveOperator',
      request: {
        id: target?.id ?? 0,
        name: wanted.name,
        access_pin: pin,
        role,
        email: target?.email ?? '',
        bindings,
      },
    });
  }
  for (const code of command.delete) {
    const target = existing.find((o) => o.id === code);
    // Already gone, or not on this register: nothing to do here.
    if (!target) continue;
    const others = target.bindings.filter((b) => b !== kkmId);
    if (target.bindings.includes(kkmId) && others.length > 0) {
      if (!target.pin)
        return {
          ok: false,
          error: canonicalError('DEVICE_ERROR', `кассовое ядро не сообщило PIN кассира ${code}`),
        };
      steps.push({
        method: 'SaveOperator',
        request: {
          id: target.id,
          name: target.name,
          access_pin: target.pin,
          role: target.role,
          email: target.email,
          bindings: others,
        },
      });
    } else if (others.length === 0) {
      steps.push({ method: 'DeleteOperator', request: { id: target.id } });
    }
  }
  return { ok: true, value: steps };
}

/** PINs are never written to the agent's journal. */
const redactStep = (step: OperatorStep): OperatorStep =>
  'access_pin' in step.request ? { ...step, request: { ...step.request, access_pin: '***' } } : step;

const TRANSPORT_ERRORS: ReadonlySet<CanonicalErrorCode> = new Set<CanonicalErrorCode>([
  'REGISTER_UNREACHABLE',
  'DEVICE_TIMEOUT',
]);

/** The device itself answered (a response_code): it is reachable even though it refused. */
const isDeviceAnswer = (error: CanonicalError): boolean =>
  error.device !== undefined || error.code === 'REGISTER_NOT_CONFIGURED';

const fail = (code: CanonicalErrorCode, message: string): CommandOutcome => ({
  ok: false,
  error: canonicalError(code, message),
});
