import {
  canonicalError,
  minorToCashCoreRequest,
  type CanonicalErrorCode,
  type CommandOf,
  type CommandOutcome,
  type CommandResult,
  type CommandType,
  type DocumentRef,
  type RegisterHealth,
} from '@kassa-relay/protocol';
import type { ExecuteContext } from '../register-driver';
import type { CashCoreCallResult, CashCoreClient } from './cash-core-client';
import { OPERATORS_SYNC_METHOD, planOperatorSync, redactStep } from './cash-core-operators';
import { buildTicket, type TicketOptions } from './cash-core-receipt';
import type { CashCoreReads, Read } from './cash-core-reads';
import {
  kkmCounters,
  operatorsResult,
  placementResult,
  reportResult,
  resultFromDocument,
  ticketResult,
} from './cash-core-results';
import {
  COMMAND,
  identityOf,
  type Json,
  type KkmState,
  minorOf,
  MONEY_PLACEMENT,
  nonEmpty,
  obj,
  shiftOf,
  type TransactionEntry,
  transactionCounters,
} from './cash-core-wire';

/**
 * Execution, one function per command. Reads go first; a call that may change fiscal state is sent
 * only after its checkpoint is stored (`fiscalCall`). A read the core answers 66/69 (still busy
 * with another call) is REGISTER_BUSY: nothing was sent, the command may simply run again.
 */

/** What the command functions share with the driver. */
export interface CashCoreEnv {
  kkmOfdId: number;
  client: CashCoreClient;
  reads: CashCoreReads;
  ticketOptions: TicketOptions;
  print: boolean;
  /** Register local time offset (minutes east of UTC). */
  offset: number;
  now(): Date;
}

/** One execution: whether a fiscal call has left, so an unexpected failure is reported as unknown. */
export interface Run {
  context: ExecuteContext;
  fiscalSent: boolean;
}

export const fail = (code: CanonicalErrorCode, message: string): CommandOutcome => ({
  ok: false,
  error: canonicalError(code, message),
});

// ---- device access ----

/**
 * Reads the counters, hands them to the caller's journal (awaited), and only then sends the call.
 * A checkpoint that cannot be stored stops the call: nothing is sent without it.
 */
async function fiscalCall<T>(
  env: CashCoreEnv,
  run: Run,
  method: string,
  request: Record<string, unknown>,
  before: KkmState,
): Promise<CashCoreCallResult<T>> {
  const stored = await storeCheckpoint(env, run, method, request, before);
  if (!stored.ok) return { ok: false, sent: false, error: stored.error };
  return env.client.call<T>(method, request, { fiscal: true });
}

async function storeCheckpoint(
  env: CashCoreEnv,
  run: Run,
  method: string,
  request: unknown,
  before: KkmState,
): Promise<Read<true>> {
  try {
    await run.context.checkpoint({
      kind: 'cash-core',
      kkmOfdId: env.kkmOfdId,
      shiftNumber: before.shiftNumber,
      shiftOpen: before.shiftOpen,
      shiftDocumentNumber: before.shiftDocumentNumber,
      method,
      request,
      at: env.now().toISOString(),
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

/** A report's result from the transaction journal (GetTransaction; the list entry if that fails). */
export async function reportFromTransaction(
  env: CashCoreEnv,
  type: CommandType,
  entry: TransactionEntry,
  kkm: KkmState,
): Promise<CommandResult> {
  const full = await env.reads.transaction(entry.id);
  if (full.ok) return resultFromDocument({ type }, { ...full.value, entry }, kkm, env.offset);
  const header: Json = {
    fr_shift_number: entry.shiftNumber,
    shift_document_number: entry.documentNumber,
    is_offline: entry.isOffline,
    shift_state: 0,
    reg_info: kkm.regInfo,
    kkm_local_name: kkm.localName,
  };
  return { ...reportResult(type, header, {}, env.offset), raw: { transaction: entry } };
}

// ---- shifts and reports ----

/**
 * Seed 003 has no "open shift" method: the core opens the next shift with the first document
 * (TradeOperation or MoneyPlacement). So `shift.open` only reads the register and answers its
 * state: an open shift as it is; a closed one as the number the next shift will have, open=false.
 */
export async function openShift(env: CashCoreEnv): Promise<CommandOutcome> {
  const read = await env.reads.kkm();
  if (!read.ok) return { ok: false, error: read.error };
  const kkm = read.value;
  const cashier = await env.reads.ownName();
  const shift = kkm.shiftOpen
    ? shiftOf(kkm, env.offset)
    : { number: (await env.reads.lastClosedShift(kkm)) + 1, open: false };
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
export async function report(
  env: CashCoreEnv,
  type: CommandType,
  reportType: number,
  run: Run,
): Promise<CommandOutcome> {
  const read = await env.reads.kkm();
  if (!read.ok) return { ok: false, error: read.error };
  const kkm = read.value;
  if (!kkm.shiftOpen) {
    return fail('SHIFT_NOT_OPEN', `смена на кассе ${env.kkmOfdId} закрыта: отчёт снимать не с чего`);
  }
  // The core has one way to close a shift: shift.forceClose is the same Z report (it also passes
  // a shift older than 24 h, which refuses every other document with code 31).
  const request = { kkm_ofd_id: env.kkmOfdId, report_type: reportType, is_printable: env.print };
  const answer = await fiscalCall<unknown>(env, run, 'ZXReport', request, kkm);
  if (!answer.ok) return { ok: false, error: answer.error };
  const data = obj(answer.data);
  return { ok: true, result: reportResult(type, data, obj(data['body']), env.offset) };
}

/** The Z report of the last closed shift: a read from the core's transaction journal. */
export async function lastZReport(env: CashCoreEnv): Promise<CommandOutcome> {
  const read = await env.reads.kkm();
  if (!read.ok) return { ok: false, error: read.error };
  const kkm = read.value;
  const found = await env.reads.lastZReport(kkm);
  if (!found.ok) return { ok: false, error: found.error };
  if (!found.value) {
    return fail(
      'NOT_FOUND',
      `Z-отчёт последней закрытой смены не найден в журнале кассового ядра (GetTransactionList) кассы ${env.kkmOfdId}`,
    );
  }
  return { ok: true, result: await reportFromTransaction(env, 'report.z', found.value, kkm) };
}

// ---- documents ----

export async function receipt(
  env: CashCoreEnv,
  command: CommandOf<'receipt'>,
  run: Run,
): Promise<CommandOutcome> {
  // Checked before anything is sent: a payment kind the core does not know never reaches it.
  const built = buildTicket(command, env.ticketOptions);
  if (!built.ok) return { ok: false, error: built.error };
  const read = await env.reads.kkm();
  if (!read.ok) return { ok: false, error: read.error };
  const answer = await fiscalCall<unknown>(env, run, 'TradeOperation', built.plan.request, read.value);
  if (!answer.ok) return { ok: false, error: answer.error };
  const data = obj(answer.data);
  return { ok: true, result: ticketResult(command, data, obj(data['body'])) };
}

export async function moneyPlacement(
  env: CashCoreEnv,
  command: CommandOf<'cash.in'> | CommandOf<'cash.out'>,
  run: Run,
): Promise<CommandOutcome> {
  const read = await env.reads.kkm();
  if (!read.ok) return { ok: false, error: read.error };
  const request = {
    kkm_ofd_id: env.kkmOfdId,
    operation: command.type === 'cash.in' ? MONEY_PLACEMENT.DEPOSIT : MONEY_PLACEMENT.WITHDRAWAL,
    sum: minorToCashCoreRequest(command.amount),
  };
  const answer = await fiscalCall<unknown>(env, run, 'MoneyPlacement', request, read.value);
  if (!answer.ok) return { ok: false, error: answer.error };
  const data = obj(answer.data);
  return { ok: true, result: placementResult(command, data, obj(data['body'])) };
}

// ---- reads ----

/**
 * register.info: identity, shift, health, and the open shift's counters without an X report
 * (`transactionCounters`: counts from the list, sums from the non-nullable sums and the money
 * placements' full bodies).
 */
export async function registerInfo(
  env: CashCoreEnv,
  healthFrom: (kkm: KkmState) => Promise<RegisterHealth>,
): Promise<CommandOutcome> {
  const read = await env.reads.kkm();
  if (!read.ok) return { ok: false, error: read.error };
  const kkm = read.value;
  let counters = kkmCounters(kkm);
  if (kkm.shiftOpen) {
    const entries = await env.reads.transactions({ shift_number: kkm.shiftNumber });
    if (entries.ok) {
      const shift = entries.value.filter((e) => e.shiftNumber === kkm.shiftNumber);
      const placementSums = new Map<number, number>();
      for (const entry of shift.filter((e) => e.command === COMMAND.MONEY_PLACEMENT)) {
        const full = await env.reads.transaction(entry.id);
        const sum = full.ok ? minorOf(full.value.body['sum']) : undefined;
        if (sum !== undefined) placementSums.set(entry.id, sum);
      }
      counters = transactionCounters(shift, kkm, placementSums);
    }
  }
  const cashier = await env.reads.ownName();
  const health = await healthFrom(kkm);
  const shift = kkm.shiftOpen
    ? shiftOf(kkm, env.offset)
    : { ...shiftOf(kkm, env.offset), number: await env.reads.lastClosedShift(kkm) };
  return {
    ok: true,
    result: {
      type: 'register.info',
      shiftNumber: shift.number,
      ...(kkm.shiftOpen && kkm.shiftDocumentNumber > 0 ? { documentNumber: kkm.shiftDocumentNumber } : {}),
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

export async function listOperators(env: CashCoreEnv): Promise<CommandOutcome> {
  const read = await env.reads.kkm();
  if (!read.ok) return { ok: false, error: read.error };
  const operators = await env.reads.operators();
  if (!operators.ok) return { ok: false, error: operators.error };
  return { ok: true, result: operatorsResult('operators.list', operators.value, read.value) };
}

/**
 * operators.sync: SaveOperator for each upsert (bound to this register, other bindings kept) and,
 * for each code to delete, either DeleteOperator (bound to no other register) or a SaveOperator
 * that only removes this register from its bindings. Every step is planned and checked before
 * the first is sent; one checkpoint covers them all. Re-running the same sync is harmless.
 */
export async function syncOperators(
  env: CashCoreEnv,
  command: CommandOf<'operators.sync'>,
  run: Run,
): Promise<CommandOutcome> {
  const read = await env.reads.kkm();
  if (!read.ok) return { ok: false, error: read.error };
  const kkm = read.value;
  if (kkm.id === undefined)
    return fail('DEVICE_ERROR', 'GetKKMList не сообщил локальный ID кассы: привязать кассиров нельзя');
  const existing = await env.reads.operators();
  if (!existing.ok) return { ok: false, error: existing.error };
  const plan = planOperatorSync(command, existing.value, kkm.id);
  if (!plan.ok) return { ok: false, error: plan.error };
  if (plan.value.length > 0) {
    const stored = await storeCheckpoint(env, run, OPERATORS_SYNC_METHOD, plan.value.map(redactStep), kkm);
    if (!stored.ok) return { ok: false, error: stored.error };
    for (const step of plan.value) {
      const answer = await env.client.call<unknown>(step.method, step.request, { fiscal: true });
      if (!answer.ok) return { ok: false, error: answer.error };
    }
  }
  const after = await env.reads.operators();
  if (!after.ok)
    return { ok: true, result: { type: 'operators.sync', raw: { steps: plan.value.map(redactStep) } } };
  return { ok: true, result: operatorsResult('operators.sync', after.value, kkm) };
}

export async function documentImage(
  env: CashCoreEnv,
  command: CommandOf<'receipt.image'>,
): Promise<CommandOutcome> {
  const ref = await resolveDocument(env, command.document);
  if (!ref.ok) return { ok: false, error: ref.error };
  const image = await env.client.image({
    kkm_ofd_id: env.kkmOfdId,
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
 * Seed 003 has no call that sends an existing document to the printer (`is_printable` exists only
 * on TradeOperation and ZXReport, which make new documents; GetDocumentImage only renders a
 * picture). So a reprint cannot be done: the document is looked up (an unknown one is NOT_FOUND,
 * as for an image) and the answer is NOT_SUPPORTED with the reason, for the client's `printError`.
 * Nothing is sent that could print or register anything. The picture stays available as
 * `receipt.image`.
 */
export async function reprint(
  env: CashCoreEnv,
  command: CommandOf<'receipt.reprint'>,
): Promise<CommandOutcome> {
  const ref = await resolveDocument(env, command.document);
  if (!ref.ok) return { ok: false, error: ref.error };
  const { shiftNumber, documentNumber, fiscalId } = ref.value;
  return fail(
    'NOT_SUPPORTED',
    `кассовое ядро не может напечатать копию документа (смена ${shiftNumber}, документ ${documentNumber}` +
      `${fiscalId ? `, ФП ${fiscalId}` : ''}): в его API (seed 003) нет вызова печати копии. ` +
      'Документ фискализирован, копия не напечатана',
  );
}

async function resolveDocument(
  env: CashCoreEnv,
  ref: DocumentRef,
): Promise<Read<{ shiftNumber: number; documentNumber: number; fiscalId?: string }>> {
  if ('shiftNumber' in ref)
    return { ok: true, value: { shiftNumber: ref.shiftNumber, documentNumber: ref.documentNumber } };
  if ('fiscalId' in ref) {
    // "Для поиска чеков по ФП следует указывать в параметре command_type_list только одно значение: COMMAND_TICKET".
    const entries = await env.reads.transactions({
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
      value: { shiftNumber: entry.shiftNumber, documentNumber: entry.documentNumber, fiscalId: ref.fiscalId },
    };
  }
  const read = await env.reads.kkm();
  if (!read.ok) return read;
  // With the shift closed, what GetKKMList shows is not necessarily the last document (the seed
  // does not say): the last document of the newest shift is looked up instead.
  if (read.value.shiftOpen && read.value.shiftDocumentNumber > 0) {
    return {
      ok: true,
      value: { shiftNumber: read.value.shiftNumber, documentNumber: read.value.shiftDocumentNumber },
    };
  }
  const z = read.value.shiftOpen ? undefined : await env.reads.lastZReport(read.value);
  if (z && !z.ok) return z;
  const last = z?.value;
  if (!last) return { ok: false, error: canonicalError('NOT_FOUND', 'на кассе ещё нет документов') };
  return { ok: true, value: { shiftNumber: last.shiftNumber, documentNumber: last.documentNumber } };
}
