import {
  canonicalError,
  type CanonicalCommand,
  type CanonicalError,
  type CommandOf,
  type CommandOutcome,
  type CommandResult,
  type DeviceWarning,
  emptyShiftCounters,
  ikkmAmountToMinor,
  ikkmCodeInfo,
  milliToIkkmQuantity,
  minorToIkkmAmount,
  minorToIkkmDigits,
  minorToMajorString,
  type PaymentKind,
  type RegisterCapabilities,
  type RegisterHealth,
  REGISTER_PAYMENT_KINDS,
  type RegisterIdentity,
  type ShiftCounters,
} from '@kassa-relay/protocol';
import type {
  ExecuteContext,
  IkkmKeyStore,
  ReconcileCheckpoint,
  ReconcileEntry,
  ReconcileVerdict,
  RegisterDriver,
} from '../register-driver';
import { type IkkmAnswer, IkkmClient, type IkkmMethod, type IkkmRequest } from './ikkm-client';
import {
  intOf,
  type IkkmChequeRow,
  type IkkmInfo,
  ikkmMoney,
  type IkkmShiftReport,
  type IkkmShiftRow,
  type IkkmTransaction,
  lastChequeNumber,
  progressiveTotals,
  shiftReportToCounters,
} from './ikkm-tables';
import { shiftTiming, warningsForError } from '../device-health';

export interface IkkmDriverConfig {
  baseUrl: string;
  /** Where the rotating web-api key lives; the driver saves every new key before answering. */
  keyStore: IkkmKeyStore;
  /** Taxpayer IIN/BIN printed on receipts: the web-api does not report it, so config supplies it. */
  inn?: string;
  timeoutMs?: number;
  minRequestIntervalMs?: number;
  /** The device writes local time without a zone; Kazakhstan is UTC+5 (300), the default. */
  utcOffsetMinutes?: number;
  now?: () => Date;
  /**
   * The device is set to accept amounts with tiyn. Default false: seed 002 code -9 "передавать
   * только цифры", so amounts go as whole tenge and one with tiyn is refused before sending.
   */
  acceptsDecimals?: boolean;
  /**
   * How long after a Z report was sent a still-open shift does not yet prove it was not done
   * (the device gives no answer to a Z, seed line 355). Default: the seed's request timeout, 10 s.
   */
  zReportWindowMs?: number;
}

export const IKKM_DEFAULT_UTC_OFFSET_MINUTES = 300;

/** Seed 002: itemdata carries at most 79 positions; beyond that the device sends one summary line. */
export const IKKM_MAX_ITEMDATA = 79;

/** Seed 002 line 16: "Установите таймаут запроса 10 секунд". */
const IKKM_PROCESSING_WINDOW_MS = 10_000;

const PAYMENT_PARAM: Partial<Record<PaymentKind, string>> = {
  cash: 'cash',
  card: 'bank',
  tara: 'tara',
  credit: 'credit',
};

/** Seed 002 `/dump/table/shifts/<n>/cheques` `chequeType`: 0 продажа, 1 покупка, 2 возврат продажи, 3 возврат покупки. */
const CHEQUE_TYPE = { sale: '0', buy: '1', saleReturn: '2', buyReturn: '3' } as const;

/** The calls that rotate the key (seed lines 20, 369, 407): registration and cash in/out. */
const ROTATING_PATHS = new Set(['/api', '/apideposit', '/apiwithdraw']);

/**
 * Refusals of a same-key repeat that say nothing about whether the first send was registered:
 * the device may check these before it looks at the key — and they are the seed's "try later"
 * (-2) or device conditions that come and go (-5, -6, -99).
 */
const REPEAT_TRY_LATER = new Set([-2, -5, -6, -99]);
/**
 * Refusals that depend on the request alone. The repeat is the first send byte for byte: had the
 * first been registered its content was valid, so it cannot be refused for its content now — a
 * refusal proves it was refused then too. Settled: failed.
 */
const REPEAT_REFUSED_CONTENT = new Set([-7, -8, -9, -10, -12, -13, -17]);

type IkkmCheckpoint = Extract<ReconcileCheckpoint, { kind: 'ikkm' }>;
type Json<T> = { ok: true; value: T } | { ok: false; error: CanonicalError; code?: number };

/** iKKM web-api device (seed 002) behind the register interface. */
export class IkkmDriver implements RegisterDriver {
  readonly kind = 'ikkm' as const;
  private readonly client: IkkmClient;
  private readonly now: () => Date;
  private lastError: CanonicalError | undefined;

  constructor(private readonly config: IkkmDriverConfig) {
    this.client = new IkkmClient({
      baseUrl: config.baseUrl,
      keyStore: config.keyStore,
      ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
      ...(config.minRequestIntervalMs !== undefined
        ? { minRequestIntervalMs: config.minRequestIntervalMs }
        : {}),
    });
    this.now = config.now ?? (() => new Date());
  }

  capabilities(): RegisterCapabilities {
    return {
      kind: 'ikkm',
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
        'receipt.reprint',
      ],
      receiptOperations: ['sale', 'saleReturn', 'buy', 'buyReturn'],
      paymentKinds: [...REGISTER_PAYMENT_KINDS.ikkm],
      // Seed 002 line 26: on a return "значение cash должно быть равно сумме чека".
      returnPaymentKinds: ['cash'],
      maxItemsDetailed: IKKM_MAX_ITEMDATA,
      shiftOpensWithFirstDocument: true,
      receiptImages: false,
      operatorSync: 'readOnly',
    };
  }

  async execute(command: CanonicalCommand, context: ExecuteContext): Promise<CommandOutcome> {
    // A fiscal call may be on its way from the moment its checkpoint is stored.
    let sent = false;
    const tracked: ExecuteContext = {
      commandId: context.commandId,
      checkpoint: async (data) => {
        await context.checkpoint(data);
        sent = true;
      },
    };
    let outcome: CommandOutcome;
    try {
      outcome = await this.dispatch(command, tracked);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      outcome = {
        ok: false,
        error: sent
          ? canonicalError(
              'RESULT_UNKNOWN',
              `ошибка драйвера iKKM после отправки запроса на кассу: ${message}; результат проверяется сверкой`,
            )
          : canonicalError('INTERNAL', `ошибка драйвера iKKM (на кассу ничего не отправлено): ${message}`),
      };
    }
    if (!outcome.ok && outcome.error.code === 'RESULT_UNKNOWN' && !sent) {
      // No fiscal call was checkpointed (a read, an X report, a reprint): a lost answer there is
      // not a command in doubt — RESULT_UNKNOWN is kept for checkpointed fiscal calls.
      outcome = { ok: false, error: canonicalError('DEVICE_TIMEOUT', outcome.error.message) };
    }
    this.lastError = outcome.ok ? undefined : outcome.error;
    return outcome;
  }

  private dispatch(command: CanonicalCommand, context: ExecuteContext): Promise<CommandOutcome> {
    switch (command.type) {
      case 'shift.open':
        return this.openShift();
      case 'shift.close':
      case 'shift.forceClose':
        return this.closeShift(command.type, context);
      case 'receipt':
        return this.receipt(command, context);
      case 'cash.in':
      case 'cash.out':
        return this.moneyPlacement(command, context);
      case 'report.x':
        return this.xReport();
      case 'report.z':
        return this.lastZReport();
      case 'register.info':
        return this.registerInfo();
      case 'operators.list':
        return this.listOperators();
      case 'receipt.reprint':
        return this.reprint(command);
      case 'payment.cancel':
        return fail(
          'NOT_SUPPORTED',
          'iKKM не отменяет банковские платежи: отмена оплаты картой выполняется возвратом продажи',
        );
      case 'operators.sync':
        return fail(
          'NOT_SUPPORTED',
          'кассиры iKKM настраиваются на самом устройстве; web-api позволяет только их прочитать',
        );
      case 'receipt.image':
        return fail('NOT_SUPPORTED', 'iKKM не отдаёт изображение чека');
      case 'command.resolve':
        return fail('NOT_SUPPORTED', 'решение оператора применяет агент, а не касса');
    }
  }

  // ---- commands ----

  /**
   * The web-api cannot open a shift: the cashier logged in on the device opens it with the first
   * registration. We answer with the device's current state so the client sees who and which shift.
   */
  private async openShift(): Promise<CommandOutcome> {
    const info = await this.info();
    if (!info.ok) return { ok: false, error: info.error };
    const counters = await this.liveCounters(info.value);
    return {
      ok: true,
      result: { ...this.resultFromInfo('shift.open', info.value), ...(counters ? { counters } : {}) },
    };
  }

  /**
   * Z report (seed: GET `/apizreport?key=`). The device gives no answer ("Получение ответов не
   * предусмотрено", line 355) and keeps the key (line 349), so any 2xx is only "received": the
   * shift state read through getInfo afterwards decides.
   */
  private async closeShift(
    type: 'shift.close' | 'shift.forceClose',
    context: ExecuteContext,
  ): Promise<CommandOutcome> {
    const before = await this.info();
    if (!before.ok) return { ok: false, error: before.error };
    const shiftNumber = intOf(before.value.currentShiftID) ?? 0;
    if (before.value.currentShiftStatus !== 'opened') {
      return fail('SHIFT_NOT_OPEN', `смена ${shiftNumber} на iKKM уже закрыта`);
    }
    const lastChequeId = intOf(before.value.lastClosedChequeId);
    const at = this.now().toISOString();
    // The Z report does not rotate the key, so the checkpoint keeps the shift to look at instead.
    const answer = await this.client.call(
      '/apizreport',
      {},
      {
        method: 'GET',
        expect: 'any',
        beforeSend: (request) =>
          context.checkpoint({
            kind: 'ikkm',
            keyUsed: request.params['key'] ?? '',
            path: request.path,
            method: request.method,
            params: request.params,
            at,
            shiftNumber,
            shiftOpen: true,
            ...(lastChequeId !== undefined ? { lastChequeId } : {}),
          }),
      },
    );
    if (!answer.ok) {
      // A refusal (-2 busy included) registered nothing; no answer at all is not proof either way.
      if (answer.code !== undefined || !answer.sent) return { ok: false, error: answer.error };
      return unknownResult(`Z-отчёт отправлен, ответ не получен: ${answer.error.message}`);
    }
    const after = await this.info();
    if (!after.ok)
      return unknownResult(
        `Z-отчёт отправлен (iKKM не даёт ответа на него), состояние смены прочитать не удалось: ${after.error.message}`,
      );
    if (!shiftClosedSince(after.value, shiftNumber))
      return unknownResult(
        `Z-отчёт отправлен, но смена ${shiftNumber} ещё открыта; iKKM не отвечает на Z-отчёт (описание web-api, стр. 355) — состояние будет проверено ещё раз`,
      );
    return this.closedShiftResult(
      type,
      shiftNumber,
      { status: answer.status, body: answer.value },
      before.value.cashierName || undefined,
    );
  }

  /**
   * A closed shift's result. Everything here is a follow-up read after the fact (the Z is done, or
   * was done long ago): a read that fails only leaves its fields out — it never fails the command.
   * Counters from the shift report; `documentNumber` = the last cheque of the shift from its cheque
   * list (the iKKM gives the Z report no number of its own); `cashier` = who was logged in.
   */
  private async closedShiftResult(
    type: CommandResult['type'],
    shiftNumber: number,
    raw: unknown,
    cashier?: string,
  ): Promise<CommandOutcome> {
    const report = await this.followUp(() =>
      this.client.getJson<IkkmShiftReport>(`/dump/table/shifts/${shiftNumber}/report`),
    );
    const counters = report ? safely(() => shiftReportToCounters(report)) : undefined;
    const cheques = await this.followUp(() =>
      this.client.getJson<IkkmChequeRow[]>(`/dump/table/shifts/${shiftNumber}/cheques`),
    );
    const documentNumber = cheques === undefined ? undefined : lastChequeNumber(cheques);
    const identity = await this.identity().catch(() => undefined);
    return {
      ok: true,
      result: {
        type,
        shiftNumber,
        ...(documentNumber !== undefined ? { documentNumber } : {}),
        shift: { number: shiftNumber, open: false, ...(cashier ? { cashier } : {}) },
        ...(cashier ? { cashier } : {}),
        ...(counters ? { counters } : {}),
        ...(identity ? { identity } : {}),
        raw: { answer: raw, report },
      },
    };
  }

  /** A read after the fiscal call: its value, or undefined whatever went wrong (never throws). */
  private async followUp<T>(
    read: () => Promise<{ ok: true; value: T } | { ok: false; error: CanonicalError }>,
  ): Promise<T | undefined> {
    try {
      const answer = await read();
      return answer.ok ? answer.value : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Counters of the register now (shift.open, register.info): the drawer from getInfo, the
   * progressive totals from the current shift's report (`fiscalData`; getInfo has none), and the
   * open shift's own figures from that report. With the shift closed nothing is registered in a
   * current shift, so its counts are 0. A report that cannot be read (a plain cashier gets -16:
   * reports are for senior cashiers) leaves the progressive totals out.
   */
  private async liveCounters(info: IkkmInfo): Promise<ShiftCounters | undefined> {
    const cashBalance = safely(() => ikkmMoney(info.cashWeHave));
    if (cashBalance === undefined) return undefined;
    const shiftNumber = intOf(info.currentShiftID) ?? 0;
    const report =
      shiftNumber > 0
        ? await this.followUp(() =>
            this.client.getJson<IkkmShiftReport>(`/dump/table/shifts/${shiftNumber}/report`),
          )
        : undefined;
    const totals = report ? (safely(() => progressiveTotals(report)) ?? {}) : {};
    const shiftFigures =
      report && info.currentShiftStatus === 'opened'
        ? safely(() => shiftReportToCounters(report))
        : undefined;
    return { ...emptyShiftCounters(), ...shiftFigures, ...totals, cashBalance };
  }

  private async receipt(command: CommandOf<'receipt'>, context: ExecuteContext): Promise<CommandOutcome> {
    const prepared = this.receiptParams(command);
    if (!prepared.ok) return prepared;
    const keyed = await this.keyedCall('/api', 'POST', prepared.params, context);
    if (!keyed.ok) return keyed;
    return this.receiptResult(command, keyed.answer, keyed.request);
  }

  /** The `/api` parameters, or why the iKKM cannot take this receipt (nothing is sent then). */
  private receiptParams(
    command: CommandOf<'receipt'>,
  ): { ok: true; params: Record<string, string> } | { ok: false; error: CanonicalError } {
    const refuse = (code: Parameters<typeof canonicalError>[0], message: string) => ({
      ok: false as const,
      error: canonicalError(code, message),
    });
    const isReturn = command.operation === 'saleReturn' || command.operation === 'buyReturn';
    // Integer minor units per device parameter; merged once, converted once.
    const byParam = new Map<string, number>();
    for (const payment of command.payments) {
      const param = PAYMENT_PARAM[payment.kind];
      if (!param)
        return refuse(
          'PAYMENT_TYPE_UNSUPPORTED',
          `iKKM не принимает оплату вида «${payment.kind}» (только cash, bank, tara, credit)`,
        );
      if (isReturn && param !== 'cash')
        return refuse(
          'PAYMENT_TYPE_UNSUPPORTED',
          `iKKM проводит возврат только наличными: «при возврате покупки или продажи значение cash должно быть равно сумме чека»; оплата «${payment.kind}» невозможна`,
        );
      byParam.set(param, (byParam.get(param) ?? 0) + payment.amount);
    }
    if (isReturn && (byParam.get('cash') ?? 0) !== command.total)
      return refuse(
        'INVALID_REQUEST',
        `iKKM: при возврате наличные (${minorToMajorString(byParam.get('cash') ?? 0)}) должны быть равны сумме чека (${minorToMajorString(command.total)})`,
      );

    const taxCodes = new Set(
      [...command.taxes, ...command.items.flatMap((item) => item.taxes)].map((tax) => tax.registerCode ?? ''),
    );
    taxCodes.delete('');
    if (taxCodes.size > 1)
      return refuse(
        'TAX_ERROR',
        `iKKM применяет один налог на чек, а в чеке их ${taxCodes.size}: ${[...taxCodes].join(', ')}`,
      );
    const [taxCode] = [...taxCodes];
    if (taxCode !== undefined && !/^\d+$/.test(taxCode))
      return refuse('TAX_ERROR', `код налога iKKM должен быть числом: ${taxCode}`);

    const money = new IkkmAmounts(this.config.acceptsDecimals === true);
    const params: Record<string, string> = {};
    params[command.operation] = money.text(command.total, 'сумма чека');
    for (const [param, amount] of byParam) params[param] = money.text(amount, `оплата ${param}`);
    if (taxCode !== undefined) params['tax'] = taxCode;
    params['itemdata'] = JSON.stringify(itemData(command, money));
    if (command.footerLines.length > 0) params['print'] = command.footerLines.join('\n');
    const problem = money.problem();
    if (problem) return refuse('INVALID_REQUEST', problem);
    return { ok: true, params };
  }

  private async receiptResult(
    command: CommandOf<'receipt'>,
    answer: Extract<IkkmAnswer, { ok: true }>,
    request: IkkmRequest,
  ): Promise<CommandOutcome> {
    const checkNumber = intOf(answer.statusText.trim());
    const newKey = answer.value;
    const keyUsed = request.params['key'] ?? '';
    const transaction = await this.client.getJson<IkkmTransaction>(`/dump/transaction/${keyUsed}`, {
      key: newKey,
    });
    const info = await this.info();
    const identity = await this.identity();
    const paid = command.payments.reduce((acc, p) => acc + p.amount, 0);
    const result: CommandResult = {
      type: 'receipt',
      total: command.total,
      change: Math.max(0, paid - command.total),
      ...(checkNumber !== undefined ? { checkNumber, documentNumber: checkNumber } : {}),
      ...(transaction.ok && transaction.value.onlineCode
        ? { fiscalId: String(transaction.value.onlineCode) }
        : {}),
      ...(transaction.ok ? { offline: transaction.value.status === 0 } : {}),
      ...(info.ok ? { shiftNumber: intOf(info.value.currentShiftID), cashier: info.value.cashierName } : {}),
      ...(command.cashier && !info.ok ? { cashier: command.cashier } : {}),
      ...(command.rrn ? { rrn: command.rrn } : {}),
      ...(identity ? { identity } : {}),
      replayed: answer.repeated,
      // Never the key: the new one is live (it registers the next document) and results leave the
      // agent; the key store keeps it.
      raw: {
        status: answer.status,
        statusText: answer.statusText,
        transaction: transaction.ok ? transaction.value : undefined,
      },
    };
    return { ok: true, result };
  }

  /** Seed: GET `/apiwithdraw/?key=&cash=`, `/apideposit?key=&cash=`; "cash положительное, целое число". */
  private async moneyPlacement(
    command: CommandOf<'cash.in'> | CommandOf<'cash.out'>,
    context: ExecuteContext,
  ): Promise<CommandOutcome> {
    const cash = minorToIkkmDigits(command.amount);
    if (cash === undefined) {
      return fail(
        'INVALID_REQUEST',
        `iKKM вносит и снимает только целые тенге («cash положительное, целое число»): ${minorToMajorString(command.amount)} содержит тиыны`,
      );
    }
    const path = command.type === 'cash.in' ? '/apideposit' : '/apiwithdraw';
    const keyed = await this.keyedCall(path, 'GET', { cash }, context);
    if (!keyed.ok) return keyed;
    return this.moneyPlacementResult(command.type, keyed.answer);
  }

  private async moneyPlacementResult(
    type: 'cash.in' | 'cash.out',
    answer: Extract<IkkmAnswer, { ok: true }>,
  ): Promise<CommandOutcome> {
    const info = await this.info();
    const documentNumber = intOf(answer.statusText.trim());
    return {
      ok: true,
      result: {
        ...(info.ok ? this.resultFromInfo(type, info.value) : { type }),
        ...(documentNumber !== undefined ? { documentNumber } : {}),
        replayed: answer.repeated,
        raw: { status: answer.status, statusText: answer.statusText },
      },
    };
  }

  /**
   * X report (seed: GET `/apixreport?key=`; no answer provided, line 355). It changes nothing the
   * web-api can read back, so a 2xx is all there is to confirm; the figures come from the shift report.
   */
  private async xReport(): Promise<CommandOutcome> {
    const answer = await this.client.call('/apixreport', {}, { method: 'GET', expect: 'any' });
    if (!answer.ok) return { ok: false, error: answer.error };
    const raw = { status: answer.status, body: answer.value };
    const info = await this.info();
    if (!info.ok) return { ok: true, result: { type: 'report.x', raw } };
    const shiftNumber = intOf(info.value.currentShiftID) ?? 0;
    const report = await this.client.getJson<IkkmShiftReport>(`/dump/table/shifts/${shiftNumber}/report`);
    const { counters: _drawerOnly, ...base } = this.resultFromInfo('report.x', info.value);
    const counters = report.ok ? safely(() => shiftReportToCounters(report.value)) : undefined;
    return {
      ok: true,
      result: {
        ...base,
        ...(counters ? { counters } : {}),
        raw: { answer: raw, report: report.ok ? report.value : undefined },
      },
    };
  }

  /** Seed 000 `z_report`: the report of the last closed shift, read from the shift tables. */
  private async lastZReport(): Promise<CommandOutcome> {
    const shifts = await this.client.getJson<IkkmShiftRow[]>('/dump/table/shifts');
    if (!shifts.ok) return { ok: false, error: shifts.error };
    const closed = (Array.isArray(shifts.value) ? shifts.value : []).filter(
      (row) => Number(row.opened) === 0,
    );
    const last = closed.reduce<IkkmShiftRow | undefined>(
      (acc, row) => (!acc || row.id > acc.id ? row : acc),
      undefined,
    );
    if (!last) return fail('NOT_FOUND', 'на iKKM ещё нет закрытых смен');
    return this.closedShiftResult('report.z', last.id, { shift: last });
  }

  private async registerInfo(): Promise<CommandOutcome> {
    const info = await this.info();
    if (!info.ok) return { ok: false, error: info.error };
    const { counters: _drawerOnly, ...base } = this.resultFromInfo('register.info', info.value);
    const counters = await this.liveCounters(info.value);
    return {
      ok: true,
      result: {
        ...base,
        ...(counters ? { counters } : {}),
        health: await this.healthFrom(info.value),
      },
    };
  }

  private async listOperators(): Promise<CommandOutcome> {
    const cashiers = await this.client.getJson<Record<string, string>>('/dump/table/cashiers');
    if (!cashiers.ok) return { ok: false, error: cashiers.error };
    const operators = Object.entries(cashiers.value ?? {}).map(([code, name]) => ({
      code: Number(code),
      name: String(name),
      // The table carries names only; the seed's example names roles inside them.
      role: /админ/i.test(String(name))
        ? ('administrator' as const)
        : /старш/i.test(String(name))
          ? ('seniorCashier' as const)
          : ('cashier' as const),
    }));
    return { ok: true, result: { type: 'operators.list', operators, raw: cashiers.value } };
  }

  /** Seed: GET `/apicheck/printLastDocument?key=`; -7 = the iKKM was restarted or is new. */
  private async reprint(command: CommandOf<'receipt.reprint'>): Promise<CommandOutcome> {
    if (!('last' in command.document)) {
      return fail('NOT_SUPPORTED', 'iKKM может повторно напечатать только последний документ');
    }
    const answer = await this.client.call(
      '/apicheck/printLastDocument',
      {},
      { method: 'GET', expect: 'any' },
    );
    if (!answer.ok) {
      if (answer.code === -7)
        return fail(
          'NOT_FOUND',
          'iKKM не может повторить последний документ: касса была перезагружена или новая (iKKM -7)',
        );
      return { ok: false, error: answer.error };
    }
    return {
      ok: true,
      result: { type: 'receipt.reprint', raw: { status: answer.status, body: answer.value } },
    };
  }

  // ---- status ----

  async status(): Promise<RegisterHealth> {
    try {
      const info = await this.info();
      if (!info.ok) return this.unhealthy(info.error);
      return await this.healthFrom(info.value);
    } catch (error) {
      return this.unhealthy(
        canonicalError(
          'INTERNAL',
          `ошибка драйвера iKKM: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
    }
  }

  private unhealthy(error: CanonicalError): RegisterHealth {
    this.lastError = error;
    return {
      reachable:
        error.code !== 'REGISTER_UNREACHABLE' &&
        error.code !== 'DEVICE_TIMEOUT' &&
        error.code !== 'RESULT_UNKNOWN',
      checkedAt: this.now().toISOString(),
      offlineQueue: 0,
      warnings: warningsForError(error),
      lastError: error,
    };
  }

  private async healthFrom(info: IkkmInfo): Promise<RegisterHealth> {
    const now = this.now();
    const shiftNumber = intOf(info.currentShiftID) ?? 0;
    const open = info.currentShiftStatus === 'opened';
    let openedAt: string | undefined;
    if (open) {
      const shifts = await this.client.getJson<IkkmShiftRow[]>('/dump/table/shifts');
      const row =
        shifts.ok && Array.isArray(shifts.value) ? shifts.value.find((s) => s.id === shiftNumber) : undefined;
      if (row?.openDate)
        openedAt = deviceTimeToIso(
          row.openDate,
          this.config.utcOffsetMinutes ?? IKKM_DEFAULT_UTC_OFFSET_MINUTES,
        );
    }
    const warnings: DeviceWarning[] = [];
    const queue = intOf(info.messagesQueueSize) ?? 0;
    if (queue > 0) warnings.push('offlineQueue');
    const battery = intOf(info.batteryCapacityPerc);
    if (battery !== undefined && battery < 15) warnings.push('lowBattery');
    let hoursLeft: number | undefined;
    if (openedAt) {
      const timing = shiftTiming(openedAt, now);
      hoursLeft = timing.hoursLeft;
      if (timing.warning) warnings.push(timing.warning);
    }
    if (this.lastError)
      for (const w of warningsForError(this.lastError)) if (!warnings.includes(w)) warnings.push(w);
    const identity = this.identityFromInfo(info);
    let cashBalance: number | undefined;
    try {
      cashBalance = ikkmMoney(info.cashWeHave);
    } catch {
      cashBalance = undefined;
    }
    return {
      reachable: true,
      checkedAt: now.toISOString(),
      shift: {
        number: shiftNumber,
        open,
        ...(openedAt ? { openedAt } : {}),
        ...(info.cashierName ? { cashier: info.cashierName } : {}),
      },
      ...(hoursLeft !== undefined ? { shiftHoursLeft: hoursLeft } : {}),
      ...(cashBalance !== undefined ? { cashBalance } : {}),
      offlineQueue: queue,
      warnings,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      identity,
    };
  }

  // ---- reconciliation ----

  /**
   * Decides, from what seed 002 states and nothing more, whether an interrupted call took effect:
   * - Z report: the shift state (getInfo), the Z keeps the key (line 349);
   * - key-rotating calls: the same request again, with the same key (line 22: "При повторном
   *   запросе, iKKM повторит ответ, регистрация не будет продублирована"):
   *   200/203 → done with the device's own document (line 89); -2, no answer, -5, -6, -99 → in doubt;
   *   -1 → the key moved on: look the document up (`/dump/transaction/<key used>?key=<current>`,
   *   lines 278-296) and verify it in the shift's cheque list (lines 193-211);
   *   a refusal of the request's content → done, failed; a device condition → in doubt.
   * Never throws: a failure of its own is in doubt too.
   */
  async reconcile(entry: ReconcileEntry): Promise<ReconcileVerdict> {
    try {
      return await this.reconcileCheckpoint(entry);
    } catch (error) {
      return {
        state: 'inDoubt',
        evidence: `сверка iKKM прервана ошибкой драйвера: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  }

  private async reconcileCheckpoint(entry: ReconcileEntry): Promise<ReconcileVerdict> {
    const checkpoint = entry.checkpoint;
    if (!checkpoint || checkpoint.kind !== 'ikkm') {
      // Nothing was sent before the crash (no checkpoint) — or it was a read.
      return { state: 'notDone', reason: 'no device call was recorded for this command' };
    }
    if (checkpoint.path === '/apizreport') return this.reconcileZReport(entry, checkpoint);
    if (!ROTATING_PATHS.has(checkpoint.path))
      return {
        state: 'inDoubt',
        needs: 'operator',
        evidence: `неизвестный вызов в контрольной точке: ${checkpoint.path}`,
      };
    if (checkpoint.staleKey) {
      const { answeredKey, documentNumber } = checkpoint.staleKey;
      return {
        state: 'notDone',
        reason:
          `единственная отправка этой команды (ключ ${checkpoint.keyUsed}) получила ответ 203 — повтор ` +
          `документа №${documentNumber ?? '?'} прежней регистрации; повтор iKKM не регистрирует ` +
          `(«регистрация не будет продублирована»), значит по этой команде не зарегистрировано ничего; ` +
          `ключ синхронизирован (${answeredKey})`,
      };
    }
    const keyUsed = checkpoint.params['key'] ?? checkpoint.keyUsed;
    const request: IkkmRequest = {
      method: checkpoint.method ?? 'POST',
      path: checkpoint.path,
      params: { ...checkpoint.params, key: keyUsed },
    };
    const answer = await this.client.repeat(request, {
      expect: 'key',
      afterAnswer: async (repeated) => {
        if (repeated.ok) await this.config.keyStore.save(repeated.value);
      },
    });
    const command = entry.command;

    if (answer.ok) {
      if (!answer.repeated) {
        // 200: the first send had never been registered; this repeat registered it, once.
        return { state: 'done', outcome: await this.keyedResult(command, answer, request) };
      }
      // 203: the device repeats the answer of the registration made with this key.
      if (command.type === 'receipt') {
        const checkNumber = intOf(answer.statusText.trim());
        const verified =
          checkNumber === undefined
            ? ({ kind: 'unverifiable', why: 'в ответе 203 нет номера чека' } as const)
            : await this.verifyCheque(command, checkpoint, checkNumber, answer.value);
        if (verified.kind === 'retry')
          return {
            state: 'inDoubt',
            evidence: `касса повторила ответ (203), проверка чека отложена: ${verified.why}`,
          };
        if (verified.kind === 'mismatch')
          return {
            state: 'inDoubt',
            needs: 'operator',
            evidence:
              `касса ответила на повтор с ключом ${keyUsed} документом №${checkNumber}, но это не этот чек: ` +
              `${verified.why}. Этим ключом, по-видимому, провёл документ другой клиент; решите по кассовой ленте и ОФД`,
          };
      }
      return { state: 'done', outcome: await this.keyedResult(command, answer, request) };
    }

    const describe = describeAnswer(answer);
    if (answer.code === undefined) {
      return {
        state: 'inDoubt',
        evidence: `повтор запроса с ключом ${keyUsed}: ${describe}; результат неизвестен, сверка будет повторена`,
      };
    }
    const code = answer.code;
    if (code === -1) return this.keyMovedOn(command, checkpoint, keyUsed);
    if (REPEAT_TRY_LATER.has(code))
      return {
        state: 'inDoubt',
        evidence: `повтор запроса с ключом ${keyUsed}: ${describe} — касса не проверяла ключ, повторим позже`,
      };
    if (REPEAT_REFUSED_CONTENT.has(code))
      // The exact same request is refused for its content: the first send was refused too.
      return { state: 'done', outcome: { ok: false, error: answer.error } };
    // -3, -4, -11, -14, -15, -16, -100…-199 and unknown codes: a device condition that may have
    // arisen after the first send — the device may check it before the key, so it proves nothing.
    const action = ikkmCodeInfo(code).action;
    return {
      state: 'inDoubt',
      evidence:
        `повтор запроса с ключом ${keyUsed}: ${describe}; это состояние кассы, а не ответ о документе — ` +
        `повторим после устранения${action ? ` (${action})` : ''}`,
    };
  }

  /**
   * -1 on a same-key repeat: the device no longer takes the key used. Either a registration was
   * made with it (the key rotates only then, lines 20, 407) or the device forgot the answer (a
   * restart). Only the device's current key can look the document up.
   */
  private async keyMovedOn(
    command: CanonicalCommand,
    checkpoint: IkkmCheckpoint,
    keyUsed: string,
  ): Promise<ReconcileVerdict> {
    const current = await this.client.currentKey();
    if (current === keyUsed)
      return {
        state: 'inDoubt',
        needs: 'deviceKey',
        evidence:
          `iKKM больше не принимает ключ ${keyUsed}, с которым отправлена команда (-1): ключ сменился — ` +
          `этим ключом что-то зарегистрировано, либо касса перезагружена и не помнит ответ. Текущий ключ кассы ` +
          `неизвестен: введите его, чтобы найти документ (/dump/transaction/${keyUsed})`,
      };
    const lookup = await this.client.getJson<IkkmTransaction>(`/dump/transaction/${keyUsed}`, {
      key: current,
    });
    if (!lookup.ok) {
      if (lookup.code === -1)
        return {
          state: 'inDoubt',
          needs: 'deviceKey',
          evidence: `ключ ${keyUsed} не принят (-1), и введённый ключ ${current} тоже не принят для поиска документа (-1): введите текущий ключ кассы`,
        };
      if (lookup.code === undefined || REPEAT_TRY_LATER.has(lookup.code))
        return {
          state: 'inDoubt',
          evidence: `ключ ${keyUsed} не принят (-1); поиск документа не удался: ${lookup.error.message}; повторим позже`,
        };
      return {
        state: 'inDoubt',
        needs: 'operator',
        evidence: `ключ ${keyUsed} не принят (-1), а документ с этим ключом касса не нашла (${lookup.error.message}); решите по кассовой ленте и ОФД`,
      };
    }
    const transaction = lookup.value;
    const docid = intOf(transaction.docid);
    if (docid === undefined)
      return {
        state: 'inDoubt',
        needs: 'operator',
        evidence: `ключ ${keyUsed} не принят (-1); /dump/transaction не назвал номер документа: ${JSON.stringify(transaction).slice(0, 200)}`,
      };
    if (command.type !== 'receipt')
      return {
        state: 'inDoubt',
        needs: 'operator',
        evidence:
          `ключом ${keyUsed} проведён документ №${docid}, но web-api не позволяет проверить, что это именно эта ` +
          `операция (${command.type}): внесения и изъятия не входят в список чеков смены. Решите по кассовой ленте`,
      };
    const verified = await this.verifyCheque(command, checkpoint, docid, current);
    if (verified.kind === 'retry')
      return {
        state: 'inDoubt',
        evidence: `ключом ${keyUsed} проведён документ №${docid}; сверка со списком чеков отложена: ${verified.why}`,
      };
    if (verified.kind !== 'match')
      return {
        state: 'inDoubt',
        needs: 'operator',
        evidence: `ключом ${keyUsed} проведён документ №${docid}, но подтвердить, что это этот чек, нельзя: ${verified.why}`,
      };
    const identity = await this.identity();
    const paid = command.payments.reduce((acc, p) => acc + p.amount, 0);
    return {
      state: 'done',
      outcome: {
        ok: true,
        result: {
          type: 'receipt',
          total: command.total,
          change: Math.max(0, paid - command.total),
          checkNumber: docid,
          documentNumber: docid,
          shiftNumber: verified.shiftNumber,
          ...(transaction.onlineCode ? { fiscalId: String(transaction.onlineCode) } : {}),
          ...(transaction.status !== undefined ? { offline: transaction.status === 0 } : {}),
          ...(command.rrn ? { rrn: command.rrn } : {}),
          ...(identity ? { identity } : {}),
          replayed: true,
          raw: { via: '/dump/transaction', transaction, cheque: verified.cheque },
        },
      },
    };
  }

  /**
   * Finds cheque `docid` in the cheque lists of the last shifts (seed lines 193-211) and checks it
   * is this receipt: `chequeType` is the operation, and the sum of its `saleSum` is the receipt's
   * total or the sum of the positions sent (the seed does not say how discounts are listed).
   */
  private async verifyCheque(
    command: CommandOf<'receipt'>,
    checkpoint: IkkmCheckpoint,
    docid: number,
    key: string,
  ): Promise<
    | { kind: 'match'; shiftNumber: number; cheque: unknown }
    | { kind: 'mismatch' | 'unverifiable' | 'retry'; why: string }
  > {
    const info = await this.client.getJson<IkkmInfo>('/apicheck/getInfo', { key });
    if (!info.ok) return { kind: failureKind(info), why: `getInfo: ${info.error.message}` };
    const lastShift = intOf(info.value.currentShiftID) ?? 0;
    for (let shift = lastShift; shift >= Math.max(1, lastShift - 3); shift -= 1) {
      const cheques = await this.client.getJson<ChequeRow[]>(`/dump/table/shifts/${shift}/cheques`, { key });
      if (!cheques.ok) {
        if (cheques.code === -7) continue; // no such shift
        return { kind: failureKind(cheques), why: `список чеков смены ${shift}: ${cheques.error.message}` };
      }
      const row = (Array.isArray(cheques.value) ? cheques.value : []).find(
        (candidate) => intOf(candidate.chequeId) === docid,
      );
      if (!row) continue;
      const type = String(row.chequeType);
      if (type !== CHEQUE_TYPE[command.operation])
        return {
          kind: 'mismatch',
          why: `чек №${docid} имеет тип ${type}, а эта операция — ${command.operation} (тип ${CHEQUE_TYPE[command.operation]})`,
        };
      const listed = chequeSum(row);
      const sent = sentSums(checkpoint, command);
      if (listed === undefined || !sent.includes(listed))
        return {
          kind: 'mismatch',
          why: `сумма чека №${docid} по списку чеков ${listed === undefined ? 'не читается' : minorToMajorString(listed)}, а у этой операции ${sent.map(minorToMajorString).join(' / ')}`,
        };
      return { kind: 'match', shiftNumber: shift, cheque: row };
    }
    return {
      kind: 'unverifiable',
      why: `чек №${docid} не найден в списках чеков смен ${Math.max(1, lastShift - 3)}…${lastShift}`,
    };
  }

  /**
   * Z report: it keeps the key (seed line 349) and gives no answer (line 355), so the shift state
   * decides: closed or a newer shift → done; still open → in doubt while the Z may still be
   * processing (the seed's 10 s request timeout after it was sent), then not done.
   */
  private async reconcileZReport(
    entry: ReconcileEntry,
    checkpoint: IkkmCheckpoint,
  ): Promise<ReconcileVerdict> {
    const info = await this.info();
    if (!info.ok)
      return {
        state: 'inDoubt',
        evidence: `Z-отчёт: состояние смены прочитать не удалось: ${info.error.message}`,
      };
    const shiftBefore = checkpoint.shiftNumber ?? 0;
    if (shiftClosedSince(info.value, shiftBefore)) {
      return {
        state: 'done',
        outcome: await this.closedShiftResult(entry.command.type, shiftBefore, { reconciled: true }),
      };
    }
    const sentAt = checkpoint.at ? Date.parse(checkpoint.at) : Number.NaN;
    const window = this.config.zReportWindowMs ?? IKKM_PROCESSING_WINDOW_MS;
    if (Number.isFinite(sentAt) && this.now().getTime() - sentAt < window)
      return {
        state: 'inDoubt',
        evidence: `смена ${shiftBefore} ещё открыта, но Z-отчёт отправлен ${checkpoint.at} и может ещё выполняться`,
      };
    return { state: 'notDone', reason: `смена ${shiftBefore} по-прежнему открыта: Z-отчёт не выполнен` };
  }

  // ---- helpers ----

  /**
   * A call that rotates the web-api key. The checkpoint (the exact request) is stored before the
   * call; the new key is saved right after the answer, inside the device queue. A 203 on this,
   * the command's first send, is not our document: the stored key was stale and the device only
   * repeated an earlier registration's answer (seed line 22) — the checkpoint is amended first,
   * then the answered key saved, and the outcome is RESULT_UNKNOWN (reconcile: not done).
   */
  private async keyedCall(
    path: string,
    method: IkkmMethod,
    extra: Record<string, string>,
    context: ExecuteContext,
  ): Promise<
    | { ok: true; answer: Extract<IkkmAnswer, { ok: true }>; request: IkkmRequest }
    | { ok: false; error: CanonicalError }
  > {
    const at = this.now().toISOString();
    let checkpoint: IkkmCheckpoint | undefined;
    const answer = await this.client.call(path, extra, {
      method,
      expect: 'key',
      beforeSend: async (request) => {
        checkpoint = {
          kind: 'ikkm',
          keyUsed: request.params['key'] ?? '',
          path,
          method,
          params: request.params,
          at,
        };
        await context.checkpoint(checkpoint);
      },
      afterAnswer: async (reply) => {
        if (!reply.ok) return;
        if (reply.repeated && checkpoint) {
          const documentNumber = intOf(reply.statusText.trim());
          await context.checkpoint({
            ...checkpoint,
            staleKey: {
              answeredKey: reply.value,
              ...(documentNumber !== undefined ? { documentNumber } : {}),
            },
          });
        }
        await this.config.keyStore.save(reply.value);
      },
    });
    const keyUsed = answer.request.params['key'] ?? '';
    if (answer.ok) {
      if (!answer.repeated) return { ok: true, answer, request: answer.request };
      return unknownError(
        `iKKM ответила 203 (повтор) на первую отправку команды: сохранённый web-api ключ ${keyUsed} устарел, ` +
          `касса лишь повторила ответ прежнего документа №${answer.statusText.trim()} — это не результат этой команды. ` +
          `Ключ синхронизирован (${answer.value}); команда будет сверена и проведена заново`,
      );
    }
    // A refusal registered nothing (-2 is REGISTER_BUSY: wait and run it again).
    if (answer.code !== undefined) return { ok: false, error: answer.error };
    if (!answer.sent) return { ok: false, error: answer.error };
    return unknownError(
      `запрос ${path} отправлен на iKKM: ${describeAnswer(answer)}; результат проверяется сверкой`,
    );
  }

  private async keyedResult(
    command: CanonicalCommand,
    answer: Extract<IkkmAnswer, { ok: true }>,
    request: IkkmRequest,
  ): Promise<CommandOutcome> {
    if (command.type === 'receipt') return this.receiptResult(command, answer, request);
    if (command.type === 'cash.in' || command.type === 'cash.out')
      return this.moneyPlacementResult(command.type, answer);
    return {
      ok: true,
      result: {
        type: command.type,
        raw: { status: answer.status, statusText: answer.statusText },
      },
    };
  }

  private info(): Promise<Json<IkkmInfo>> {
    return this.client.getJson<IkkmInfo>('/apicheck/getInfo');
  }

  private cachedIdentity: RegisterIdentity | undefined;

  private async identity(): Promise<RegisterIdentity | undefined> {
    if (this.cachedIdentity) return this.cachedIdentity;
    const info = await this.info();
    return info.ok ? this.identityFromInfo(info.value) : undefined;
  }

  private identityFromInfo(info: IkkmInfo): RegisterIdentity {
    this.cachedIdentity = {
      kind: 'ikkm',
      serialNumber: String(info.factorySerialNumber ?? ''),
      ...(this.config.inn ? { inn: this.config.inn } : {}),
      currency: 'KZT',
      ...(info.applicationVersion !== undefined ? { softwareVersion: String(info.applicationVersion) } : {}),
    };
    return this.cachedIdentity;
  }

  private resultFromInfo(type: CommandResult['type'], info: IkkmInfo): CommandResult {
    const shiftNumber = intOf(info.currentShiftID) ?? 0;
    return {
      type,
      shiftNumber,
      shift: {
        number: shiftNumber,
        open: info.currentShiftStatus === 'opened',
        ...(info.cashierName ? { cashier: info.cashierName } : {}),
      },
      ...(info.cashierName ? { cashier: info.cashierName } : {}),
      // The drawer alone (getInfo has no other figure); callers that need more read the shift report.
      ...withCashBalance(safely(() => ikkmMoney(info.cashWeHave))),
      identity: this.identityFromInfo(info),
      raw: info,
    };
  }
}

type ChequeRow = IkkmChequeRow;

/**
 * Amounts as the device takes them: whole tenge as digits (seed -9 "передавать только цифры"), or
 * tenge with tiyn when the device is set to accept decimals. Collects the first amount that cannot
 * be sent instead of sending it rounded.
 */
class IkkmAmounts {
  private refused: string | undefined;
  constructor(private readonly acceptsDecimals: boolean) {}

  text(value: number, what: string): string {
    if (this.acceptsDecimals) return minorToIkkmAmount(value);
    const digits = minorToIkkmDigits(value);
    if (digits !== undefined) return digits;
    this.refused ??=
      `iKKM принимает суммы только в целых тенге (код -9: «передавать только цифры»): ` +
      `${what} ${minorToMajorString(value)} содержит тиыны. Округлите суммы до тенге или включите приём дробных сумм в настройках кассы`;
    return minorToIkkmAmount(value);
  }

  problem(): string | undefined {
    return this.refused;
  }
}

/** Seed 002 itemdata: positions as strings; discounts as their own lines; > 79 → one summary line. */
function itemData(command: CommandOf<'receipt'>, money: IkkmAmounts): Record<string, string>[] {
  const lines: (() => Record<string, string>)[] = [];
  for (const item of command.items) {
    lines.push(() => ({
      name: item.name,
      price: money.text(item.price, `цена «${item.name}»`),
      qty: milliToIkkmQuantity(item.quantity),
      sum: money.text(item.sum, `сумма «${item.name}»`),
    }));
    if (item.discount > 0)
      lines.push(() => ({
        name: ` скидка ${item.name} `,
        discount: money.text(item.discount, `скидка на «${item.name}»`),
      }));
    if (item.markup > 0)
      lines.push(() => ({
        name: ` наценка ${item.name} `,
        price: money.text(item.markup, `наценка на «${item.name}»`),
        qty: '1',
        sum: money.text(item.markup, `наценка на «${item.name}»`),
      }));
  }
  if (command.discount > 0)
    lines.push(() => ({ name: ' скидка на чек ', discount: money.text(command.discount, 'скидка на чек') }));
  if (command.markup > 0)
    lines.push(() => ({
      name: ' наценка на чек ',
      price: money.text(command.markup, 'наценка на чек'),
      qty: '1',
      sum: money.text(command.markup, 'наценка на чек'),
    }));
  // Only what is actually sent is converted: past 79 positions the lines are not sent at all.
  if (lines.length > IKKM_MAX_ITEMDATA) {
    const total = money.text(command.total, 'сумма чека');
    return [{ name: OPERATION_TITLES[command.operation], price: total, qty: '1', sum: total }];
  }
  return lines.map((line) => line());
}

const OPERATION_TITLES = {
  sale: 'Продажа',
  saleReturn: 'Возврат продажи',
  buy: 'Покупка',
  buyReturn: 'Возврат покупки',
} as const;

/** Σ `saleSum` of a listed cheque, in tiyn; undefined when it cannot be read exactly. */
function chequeSum(row: ChequeRow): number | undefined {
  if (!Array.isArray(row.chequeSales) || row.chequeSales.length === 0) return undefined;
  let sum = 0;
  try {
    for (const sale of row.chequeSales) {
      if (sale.saleSum === undefined || sale.saleSum === '') return undefined;
      sum += ikkmAmountToMinor(sale.saleSum);
    }
  } catch {
    return undefined;
  }
  return sum;
}

/** The sums a listed cheque of this command may show: its total, or the positions sent without discounts. */
function sentSums(checkpoint: IkkmCheckpoint, command: CommandOf<'receipt'>): number[] {
  const sums = new Set<number>([command.total]);
  try {
    const positions = JSON.parse(checkpoint.params['itemdata'] ?? '[]') as Record<string, string>[];
    let gross = 0;
    for (const position of Array.isArray(positions) ? positions : [])
      if (position['sum'] !== undefined) gross += ikkmAmountToMinor(position['sum']);
    if (gross > 0) sums.add(gross);
  } catch {
    // The total alone.
  }
  return [...sums];
}

/** Closed since the checkpoint: the shift the Z was sent for is closed, or a newer one exists. */
function shiftClosedSince(info: IkkmInfo, shiftBefore: number): boolean {
  const current = intOf(info.currentShiftID) ?? 0;
  return current > shiftBefore || (current === shiftBefore && info.currentShiftStatus === 'closed');
}

/** A read failed: busy or unreachable can be asked again; anything else will not change by waiting. */
function failureKind(read: { error: CanonicalError; code?: number }): 'retry' | 'unverifiable' {
  if (read.code === undefined || REPEAT_TRY_LATER.has(read.code)) return 'retry';
  return 'unverifiable';
}

function describeAnswer(answer: Extract<IkkmAnswer, { ok: false }>): string {
  if (answer.code !== undefined) {
    const info = ikkmCodeInfo(answer.code);
    return `iKKM ${answer.code} «${answer.statusText || info.text}»`;
  }
  return answer.error.message;
}

/** The device writes local time `yyyy-MM-dd HH:mm:ss` without a zone. */
function deviceTimeToIso(value: string, utcOffsetMinutes: number): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?/.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match;
  const utc =
    Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0)) -
    utcOffsetMinutes * 60_000;
  return new Date(utc).toISOString();
}

/** The value, or undefined when computing it throws (a device value that does not parse). */
function safely<T>(compute: () => T): T | undefined {
  try {
    return compute();
  } catch {
    return undefined;
  }
}

const withCashBalance = (cashBalance: number | undefined): { counters?: ShiftCounters } =>
  cashBalance === undefined ? {} : { counters: { ...emptyShiftCounters(), cashBalance } };

const unknownError = (message: string): { ok: false; error: CanonicalError } => ({
  ok: false,
  error: canonicalError('RESULT_UNKNOWN', message),
});

const unknownResult = async (message: string): Promise<CommandOutcome> => unknownError(message);

const fail = async (
  code: Parameters<typeof canonicalError>[0],
  message: string,
): Promise<CommandOutcome> => ({
  ok: false,
  error: canonicalError(code, message),
});
