import {
  canonicalError,
  type CanonicalCommand,
  type CanonicalError,
  type CommandOf,
  type CommandOutcome,
  type CommandResult,
  type DeviceWarning,
  minorToIkkmAmount,
  milliToQuantityNumber,
  type PaymentKind,
  type RegisterCapabilities,
  type RegisterHealth,
  type RegisterIdentity,
} from '@kassa-relay/protocol';
import type {
  ExecuteContext,
  IkkmKeyStore,
  ReconcileCheckpoint,
  ReconcileEntry,
  ReconcileVerdict,
  RegisterDriver,
} from '../register-driver';
import { type IkkmAnswer, IkkmClient } from './ikkm-client';
import {
  intOf,
  type IkkmInfo,
  ikkmMoney,
  type IkkmShiftReport,
  type IkkmShiftRow,
  type IkkmTransaction,
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
}

export const IKKM_DEFAULT_UTC_OFFSET_MINUTES = 300;

/** Seed 002: itemdata carries at most 79 positions; beyond that the device sends one summary line. */
export const IKKM_MAX_ITEMDATA = 79;

const PAYMENT_PARAM: Partial<Record<PaymentKind, string>> = {
  cash: 'cash',
  card: 'bank',
  tara: 'tara',
  credit: 'credit',
};

type Keyed = { keyUsed: string; answer: IkkmAnswer };

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
      paymentKinds: ['cash', 'card', 'tara', 'credit'],
      maxItemsDetailed: IKKM_MAX_ITEMDATA,
      shiftOpensWithFirstDocument: true,
      receiptImages: false,
      operatorSync: 'readOnly',
    };
  }

  async execute(command: CanonicalCommand, context: ExecuteContext): Promise<CommandOutcome> {
    const outcome = await this.dispatch(command, context);
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
    }
  }

  // ---- commands ----

  /**
   * The web-api cannot open a shift: the cashier logged in on the device opens it with the first
   * registration. We answer with the device's current state so the client sees who and which shift.
   */
  private async openShift(): Promise<CommandOutcome> {
    const info = await this.info();
    if (!info.ok) return info;
    return { ok: true, result: this.resultFromInfo('shift.open', info.value) };
  }

  private async closeShift(
    type: 'shift.close' | 'shift.forceClose',
    context: ExecuteContext,
  ): Promise<CommandOutcome> {
    const before = await this.info();
    if (!before.ok) return before;
    const shiftNumber = intOf(before.value.currentShiftID) ?? 0;
    if (before.value.currentShiftStatus !== 'opened') {
      return fail('SHIFT_NOT_OPEN', `смена ${shiftNumber} на iKKM уже закрыта`);
    }
    // The Z report does not rotate the key, so the checkpoint keeps the shift to look at instead.
    const answer = await this.client.call(
      '/apizreport',
      {},
      {
        beforeSend: (request) =>
          context.checkpoint({
            kind: 'ikkm',
            keyUsed: request.key,
            path: '/apizreport',
            params: request.params,
            shiftNumber,
            shiftOpen: true,
          }),
      },
    );
    if (!answer.ok) return { ok: false, error: answer.error };
    return this.closedShiftResult(type, shiftNumber, answer);
  }

  private async closedShiftResult(
    type: CommandResult['type'],
    shiftNumber: number,
    raw: unknown,
  ): Promise<CommandOutcome> {
    const report = await this.client.getJson<IkkmShiftReport>(`/dump/table/shifts/${shiftNumber}/report`);
    const identity = await this.identity();
    return {
      ok: true,
      result: {
        type,
        shiftNumber,
        shift: { number: shiftNumber, open: false },
        ...(report.ok ? { counters: shiftReportToCounters(report.value) } : {}),
        ...(identity ? { identity } : {}),
        raw: { answer: raw, report: report.ok ? report.value : undefined },
      },
    };
  }

  private async receipt(command: CommandOf<'receipt'>, context: ExecuteContext): Promise<CommandOutcome> {
    const params: Record<string, string> = {};
    params[command.operation] = minorToIkkmAmount(command.total);
    for (const payment of command.payments) {
      const param = PAYMENT_PARAM[payment.kind];
      if (!param) {
        return fail(
          'PAYMENT_TYPE_UNSUPPORTED',
          `iKKM не принимает оплату вида «${payment.kind}» (только cash, bank, tara, credit)`,
        );
      }
      const previous = params[param] ? Number(params[param]) * 100 : 0;
      params[param] = minorToIkkmAmount(previous + payment.amount);
    }
    const taxCodes = new Set(
      [...command.taxes, ...command.items.flatMap((item) => item.taxes)].map((tax) => tax.registerCode ?? ''),
    );
    taxCodes.delete('');
    if (taxCodes.size > 1) {
      return fail(
        'TAX_ERROR',
        `iKKM применяет один налог на чек, а в чеке их ${taxCodes.size}: ${[...taxCodes].join(', ')}`,
      );
    }
    const [taxCode] = [...taxCodes];
    if (taxCode !== undefined) {
      if (!/^\d+$/.test(taxCode)) return fail('TAX_ERROR', `код налога iKKM должен быть числом: ${taxCode}`);
      params['tax'] = taxCode;
    }
    params['itemdata'] = JSON.stringify(itemData(command));
    if (command.footerLines.length > 0) params['print'] = command.footerLines.join('\n');

    const keyed = await this.keyedCall('/api', params, context);
    if (!keyed.answer.ok) return { ok: false, error: keyed.answer.error };
    return this.receiptResult(command, keyed);
  }

  private async receiptResult(command: CommandOf<'receipt'>, keyed: Keyed): Promise<CommandOutcome> {
    const answer = keyed.answer;
    if (!answer.ok) return { ok: false, error: answer.error };
    const checkNumber = intOf(answer.statusText.trim());
    const newKey = answer.value;
    const transaction = await this.client.getJson<IkkmTransaction>(`/dump/transaction/${keyed.keyUsed}`, {
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
      raw: {
        status: answer.status,
        statusText: answer.statusText,
        key: newKey,
        transaction: transaction.ok ? transaction.value : undefined,
      },
    };
    return { ok: true, result };
  }

  private async moneyPlacement(
    command: CommandOf<'cash.in'> | CommandOf<'cash.out'>,
    context: ExecuteContext,
  ): Promise<CommandOutcome> {
    // Seed 002: "Значение параметра cash положительное, целое число" — whole tenge only.
    if (command.amount % 100 !== 0) {
      return fail('INVALID_REQUEST', 'iKKM вносит и снимает только целые тенге (сумма без тиынов)');
    }
    const path = command.type === 'cash.in' ? '/apideposit' : '/apiwithdraw';
    const keyed = await this.keyedCall(path, { cash: String(command.amount / 100) }, context);
    return this.moneyPlacementResult(command.type, keyed);
  }

  private async moneyPlacementResult(type: 'cash.in' | 'cash.out', keyed: Keyed): Promise<CommandOutcome> {
    const answer = keyed.answer;
    if (!answer.ok) return { ok: false, error: answer.error };
    const info = await this.info();
    return {
      ok: true,
      result: {
        ...(info.ok ? this.resultFromInfo(type, info.value) : { type }),
        ...(intOf(answer.statusText.trim()) !== undefined
          ? { documentNumber: intOf(answer.statusText.trim()) }
          : {}),
        replayed: answer.repeated,
        raw: { status: answer.status, statusText: answer.statusText, key: answer.value },
      },
    };
  }

  private async xReport(): Promise<CommandOutcome> {
    const answer = await this.client.call('/apixreport', {});
    if (!answer.ok) return { ok: false, error: answer.error };
    const info = await this.info();
    if (!info.ok) return { ok: true, result: { type: 'report.x', raw: answer } };
    const shiftNumber = intOf(info.value.currentShiftID) ?? 0;
    const report = await this.client.getJson<IkkmShiftReport>(`/dump/table/shifts/${shiftNumber}/report`);
    return {
      ok: true,
      result: {
        ...this.resultFromInfo('report.x', info.value),
        ...(report.ok ? { counters: shiftReportToCounters(report.value) } : {}),
        raw: { answer, report: report.ok ? report.value : undefined },
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
    if (!info.ok) return info;
    return {
      ok: true,
      result: {
        ...this.resultFromInfo('register.info', info.value),
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

  private async reprint(command: CommandOf<'receipt.reprint'>): Promise<CommandOutcome> {
    if (!('last' in command.document)) {
      return fail('NOT_SUPPORTED', 'iKKM может повторно напечатать только последний документ');
    }
    const answer = await this.client.call('/apicheck/printLastDocument', {});
    if (!answer.ok) return { ok: false, error: answer.error };
    return { ok: true, result: { type: 'receipt.reprint', raw: answer } };
  }

  // ---- status ----

  async status(): Promise<RegisterHealth> {
    const info = await this.info();
    if (!info.ok) {
      this.lastError = info.error;
      return {
        reachable:
          info.error.code !== 'REGISTER_UNREACHABLE' &&
          info.error.code !== 'DEVICE_TIMEOUT' &&
          info.error.code !== 'RESULT_UNKNOWN',
        checkedAt: this.now().toISOString(),
        offlineQueue: 0,
        warnings: warningsForError(info.error),
        lastError: info.error,
      };
    }
    return this.healthFrom(info.value);
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
      cashBalance: ikkmMoney(info.cashWeHave),
      offlineQueue: queue,
      warnings,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      identity,
    };
  }

  // ---- reconciliation ----

  async reconcile(entry: ReconcileEntry): Promise<ReconcileVerdict> {
    const checkpoint = entry.checkpoint;
    if (!checkpoint || checkpoint.kind !== 'ikkm') {
      // Nothing was sent before the crash (no checkpoint) — or it was a read.
      return { state: 'notDone', reason: 'no device call was recorded for this command' };
    }
    if (checkpoint.path === '/apizreport') return this.reconcileZReport(entry, checkpoint);
    if (entry.deadlinePassed) {
      // Past the deadline we may only look. A used key is refused (-1): the device rotated it,
      // so the registration happened; the repeat below then only replays its answer (203).
      const probe = await this.client.call('/apicheck', {}, { key: checkpoint.keyUsed });
      if (probe.ok)
        return { state: 'notDone', reason: 'the key used is still the current key: nothing was registered' };
      if (probe.code !== -1) return { state: 'unknown', reason: probe.error.message };
    }
    // Seed 002: a repeat with the same key repeats the answer (203) and never registers twice;
    // if the first request never arrived, this one registers it — exactly once either way.
    const { key: keyUsed, ...params } = checkpoint.params;
    const answer = await this.client.call(checkpoint.path, params, {
      key: keyUsed ?? checkpoint.keyUsed,
      rotatesKey: true,
    });
    if (!answer.ok && answer.code === undefined) return { state: 'unknown', reason: answer.error.message };
    const keyed: Keyed = { keyUsed: checkpoint.keyUsed, answer };
    const command = entry.command;
    let outcome: CommandOutcome;
    if (command.type === 'receipt') outcome = await this.receiptResult(command, keyed);
    else if (command.type === 'cash.in' || command.type === 'cash.out')
      outcome = await this.moneyPlacementResult(command.type, keyed);
    else
      outcome = answer.ok
        ? { ok: true, result: { type: command.type, raw: answer } }
        : { ok: false, error: answer.error };
    return { state: 'done', outcome };
  }

  private async reconcileZReport(
    entry: ReconcileEntry,
    checkpoint: Extract<ReconcileCheckpoint, { kind: 'ikkm' }>,
  ): Promise<ReconcileVerdict> {
    const info = await this.info();
    if (!info.ok) return { state: 'unknown', reason: info.error.message };
    const shiftBefore = checkpoint.shiftNumber ?? 0;
    const current = intOf(info.value.currentShiftID) ?? 0;
    const closedNow = info.value.currentShiftStatus !== 'opened';
    if (current > shiftBefore || (current === shiftBefore && closedNow)) {
      return {
        state: 'done',
        outcome: await this.closedShiftResult(entry.command.type, shiftBefore, { reconciled: true }),
      };
    }
    return { state: 'notDone', reason: `shift ${shiftBefore} is still open` };
  }

  // ---- helpers ----

  /**
   * A call that rotates the web-api key: the key used goes to the checkpoint before the call, the
   * new key to the key store after it, before anyone sees the answer.
   */
  private async keyedCall(
    path: string,
    extra: Record<string, string>,
    context: ExecuteContext,
  ): Promise<Keyed> {
    const answer = await this.client.call(path, extra, {
      rotatesKey: true,
      beforeSend: (request) =>
        context.checkpoint({ kind: 'ikkm', keyUsed: request.key, path, params: request.params }),
    });
    return { keyUsed: answer.keyUsed, answer };
  }

  private async info(): Promise<{ ok: true; value: IkkmInfo } | { ok: false; error: CanonicalError }> {
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
      counters: { ...shiftReportToCounters({}), cashBalance: ikkmMoney(info.cashWeHave) },
      identity: this.identityFromInfo(info),
      raw: info,
    };
  }
}

/** Seed 002 itemdata: positions as strings; discounts as their own lines; > 79 → one summary line. */
function itemData(command: CommandOf<'receipt'>): Record<string, string>[] {
  const lines: Record<string, string>[] = [];
  for (const item of command.items) {
    lines.push({
      name: item.name,
      price: minorToIkkmAmount(item.price),
      qty: String(milliToQuantityNumber(item.quantity)),
      sum: minorToIkkmAmount(item.sum),
    });
    if (item.discount > 0)
      lines.push({ name: ` скидка ${item.name} `, discount: minorToIkkmAmount(item.discount) });
    if (item.markup > 0)
      lines.push({
        name: ` наценка ${item.name} `,
        price: minorToIkkmAmount(item.markup),
        qty: '1',
        sum: minorToIkkmAmount(item.markup),
      });
  }
  if (command.discount > 0)
    lines.push({ name: ' скидка на чек ', discount: minorToIkkmAmount(command.discount) });
  if (command.markup > 0)
    lines.push({
      name: ' наценка на чек ',
      price: minorToIkkmAmount(command.markup),
      qty: '1',
      sum: minorToIkkmAmount(command.markup),
    });
  if (lines.length > IKKM_MAX_ITEMDATA) {
    return [
      {
        name: OPERATION_TITLES[command.operation],
        price: minorToIkkmAmount(command.total),
        qty: '1',
        sum: minorToIkkmAmount(command.total),
      },
    ];
  }
  return lines;
}

const OPERATION_TITLES = {
  sale: 'Продажа',
  saleReturn: 'Возврат продажи',
  buy: 'Покупка',
  buyReturn: 'Возврат покупки',
} as const;

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

const fail = async (
  code: Parameters<typeof canonicalError>[0],
  message: string,
): Promise<CommandOutcome> => ({
  ok: false,
  error: canonicalError(code, message),
});
