import type { CanonicalCommand, CanonicalError, CommandOf, CommandType } from '@kassa-relay/protocol';
import type { ReconcileCheckpoint, ReconcileEntry, ReconcileVerdict } from '../register-driver';
import { isCashCoreBusy } from './cash-core-client';
import { type CashCoreEnv, reportFromTransaction } from './cash-core-commands';
import { placementMismatches, ticketMismatches } from './cash-core-match';
import { OPERATORS_SYNC_METHOD, planOperatorSync } from './cash-core-operators';
import { type FullTransaction, isZReport } from './cash-core-reads';
import { operatorsResult, resultFromDocument } from './cash-core-results';
import {
  COMMAND,
  identityOf,
  int,
  isoToRegisterDate,
  type KkmState,
  nonEmpty,
  obj,
  REPORT,
  type TransactionEntry,
} from './cash-core-wire';

/**
 * Reconciliation of a cash-core command whose answer was lost (seed 003 has no idempotency key, so
 * the call is never sent again to find out). Only reads:
 *
 * 1. While the core answers the reads 66/69 (still running a call), or while the processing window
 *    (`processingWindowMs` since the checkpoint) is open, the lost call may still commit: no
 *    "not done" verdict, only "in doubt".
 * 2. Counters (GetKKMList shift number, document number, shift state) as in the checkpoint, window
 *    over, core not busy → not done.
 * 3. Counters moved → GetTransactionList for the checkpoint's time (register local time, ±
 *    `periodMarginMs`) and the command type; the documents newer than the checkpoint's counters are
 *    the candidates; each is read in full (GetTransaction) and compared exactly with the request
 *    that was sent. Exactly one exact match → done with that document. Anything else → in doubt,
 *    with the candidates named; once the window is over an operator has to decide.
 * 4. Z report: the shift recorded open is closed, or a newer shift exists → done.
 * 5. operators.sync: the operators compared with the command.
 */

export interface ReconcileSettings {
  processingWindowMs: number;
  periodMarginMs: number;
}

type CashCoreCheckpoint = Extract<ReconcileCheckpoint, { kind: 'cash-core' }>;

interface Matcher {
  commandType: number;
  what: string;
  /** Whether a list entry can be of this kind at all (its header and the seed-defined `type`). */
  admits(entry: TransactionEntry): boolean;
  /** What differs between the document and what was sent; undefined: no exact comparison (X report). */
  mismatches?(document: FullTransaction): string[];
}

const inDoubt = (evidence: string, needsOperator = false): ReconcileVerdict =>
  needsOperator ? { state: 'inDoubt', evidence, needs: 'operator' } : { state: 'inDoubt', evidence };

const counters = (shiftNumber: number, documentNumber: number, open: boolean) =>
  `shift ${shiftNumber} document ${documentNumber} (${open ? 'open' : 'closed'})`;

function cannotRead(what: string, error: CanonicalError): ReconcileVerdict {
  if (isCashCoreBusy(error))
    return inDoubt(
      `the core is still running a call (${what}: ${error.device?.code} ${error.device?.constant}): the lost call may still commit`,
    );
  return inDoubt(`cannot read ${what}: ${error.message}`);
}

export async function reconcileCashCore(
  env: CashCoreEnv,
  settings: ReconcileSettings,
  entry: ReconcileEntry,
): Promise<ReconcileVerdict> {
  const checkpoint = entry.checkpoint;
  if (!checkpoint) return { state: 'notDone', reason: 'no device call was recorded for this command' };
  if (checkpoint.kind !== 'cash-core')
    return inDoubt(`checkpoint of a ${checkpoint.kind} register, not a cash core`, true);
  if (checkpoint.kkmOfdId !== env.kkmOfdId)
    return inDoubt(`checkpoint of register ${checkpoint.kkmOfdId}, this driver drives ${env.kkmOfdId}`, true);

  const read = await env.reads.kkm();
  if (!read.ok) return cannotRead('the register (GetKKMList)', read.error);
  const kkm = read.value;
  const command = entry.command;
  if (checkpoint.method === OPERATORS_SYNC_METHOD && command.type === 'operators.sync')
    return reconcileOperators(env, command, kkm);

  const started = Date.parse(checkpoint.at);
  if (Number.isNaN(started))
    return inDoubt(
      `the checkpoint has no readable time (${String(checkpoint.at)}): the processing window cannot be told`,
      true,
    );
  const windowEnd = started + settings.processingWindowMs;
  const windowOpen = env.now().getTime() < windowEnd;
  const windowText = `its processing window is open until ${new Date(windowEnd).toISOString()}`;

  if (checkpoint.method === 'ZXReport' && int(obj(checkpoint.request)['report_type']) === REPORT.Z)
    return reconcileZReport(env, command.type, checkpoint, kkm, windowOpen, windowText);

  const before = counters(checkpoint.shiftNumber, checkpoint.shiftDocumentNumber, checkpoint.shiftOpen);
  const now = counters(kkm.shiftNumber, kkm.shiftDocumentNumber, kkm.shiftOpen);
  const moved =
    kkm.shiftNumber !== checkpoint.shiftNumber ||
    kkm.shiftDocumentNumber !== checkpoint.shiftDocumentNumber ||
    kkm.shiftOpen !== checkpoint.shiftOpen;
  if (!moved) {
    if (windowOpen)
      return inDoubt(
        `the register's counters did not move (${now}), but the call may still be running: ${windowText}`,
      );
    return {
      state: 'notDone',
      reason: `no document after ${before}: the register's counters did not move, the core is not busy and the processing window is over`,
    };
  }

  const matcher = matcherFor(command, checkpoint);
  if (!matcher) return inDoubt(`${checkpoint.method} does not fit a ${command.type} command`, true);

  // The documents of the checkpoint's time (register local time) of the command's type.
  const from = new Date(started - settings.periodMarginMs).toISOString();
  const to = new Date(env.now().getTime() + settings.periodMarginMs).toISOString();
  const listed = await env.reads.transactions({
    period_start: isoToRegisterDate(from, env.offset),
    period_end: isoToRegisterDate(to, env.offset),
    command_type_list: [matcher.commandType],
  });
  if (!listed.ok) return cannotRead('the transaction list', listed.error);
  const candidates = listed.value
    .filter((e) => matcher.admits(e) && isNewer(e, checkpoint))
    .sort((a, b) => a.shiftNumber - b.shiftNumber || a.documentNumber - b.documentNumber || a.id - b.id);
  const found = `counters moved from ${before} to ${now}`;

  if (!matcher.mismatches) {
    // An X report has nothing to compare: any X report after the checkpoint is the one asked for.
    const first = candidates[0];
    if (!first)
      return inDoubt(`${found}, but no ${matcher.what} after them in the transaction list`, !windowOpen);
    return {
      state: 'done',
      outcome: {
        ok: true,
        result: { ...(await reportFromTransaction(env, command.type, first, kkm)), replayed: true },
      },
    };
  }

  const exact: FullTransaction[] = [];
  const notes: string[] = [];
  let unsure = false;
  for (const candidate of candidates) {
    const full = await env.reads.transaction(candidate.id);
    if (!full.ok) {
      if (isCashCoreBusy(full.error)) return cannotRead(`transaction ${candidate.id}`, full.error);
      unsure = true;
      notes.push(`${describe(candidate)}: unreadable (${full.error.message})`);
      continue;
    }
    // The list entry stays the header: it carries the fiscal id (TransactionList::Ticket), the body does not.
    const document: FullTransaction = { ...full.value, entry: candidate };
    const differences = matcher.mismatches(document);
    if (differences.length > 0) notes.push(`${describe(candidate)}: ${differences.join('; ')}`);
    else exact.push(document);
  }

  // A closed checkpoint shows a shift whose documents may all be older than the checkpoint (the
  // seed does not say whether a closed shift shows itself or the next one): a match in that very
  // shift is only certain if no Z report of it follows the match.
  if (!checkpoint.shiftOpen && exact.some((d) => d.entry.shiftNumber === checkpoint.shiftNumber)) {
    const z = await env.reads.transactions({
      shift_number: checkpoint.shiftNumber,
      command_type_list: [COMMAND.CLOSE_SHIFT, COMMAND.REPORT],
    });
    for (const document of exact.filter((d) => d.entry.shiftNumber === checkpoint.shiftNumber)) {
      const closedAfter =
        !z.ok ||
        z.value.some(
          (e) =>
            isZReport(e) &&
            e.shiftNumber === checkpoint.shiftNumber &&
            e.documentNumber > document.entry.documentNumber,
        );
      if (closedAfter) {
        unsure = true;
        notes.push(
          `${describe(document.entry)}: matches, but shift ${checkpoint.shiftNumber} was closed after it — it may predate the checkpoint`,
        );
      }
    }
  }

  const match = exact[0];
  if (exact.length === 1 && match && !unsure) {
    return {
      state: 'done',
      outcome: {
        ok: true,
        result: {
          ...resultFromDocument(command, match, kkm, env.offset),
          replayed: true,
        },
      },
    };
  }
  const summary =
    exact.length > 1
      ? `${exact.length} documents match exactly (${exact.map((d) => describe(d.entry)).join(', ')}): which one is this command's cannot be told`
      : exact.length === 1 && match
        ? `${describe(match.entry)} matches exactly, but not with certainty`
        : candidates.length === 0
          ? `no ${matcher.what} after them in the transaction list`
          : `none of the ${candidates.length} ${matcher.what} documents after them matches what was sent`;
  const evidence = [`${found}; ${summary}`, ...notes].join('. ');
  return inDoubt(
    windowOpen ? `${evidence}. The call may still be running: ${windowText}` : evidence,
    !windowOpen,
  );
}

/** Newer than the checkpoint's counters: a later shift, or a later document of the same shift. */
function isNewer(entry: TransactionEntry, checkpoint: CashCoreCheckpoint): boolean {
  if (entry.shiftNumber !== checkpoint.shiftNumber) return entry.shiftNumber > checkpoint.shiftNumber;
  return entry.documentNumber > checkpoint.shiftDocumentNumber;
}

function describe(entry: TransactionEntry): string {
  const fiscalId = entry.command === COMMAND.TICKET ? nonEmpty(entry.body['fiscal_id']) : undefined;
  return `transaction ${entry.id} (shift ${entry.shiftNumber} document ${entry.documentNumber}${entry.date ? `, ${entry.date}` : ''}${fiscalId ? `, fiscal id ${fiscalId}` : ''})`;
}

/** What a document must look like to be the command's: compared with the request in the checkpoint. */
function matcherFor(command: CanonicalCommand, checkpoint: CashCoreCheckpoint): Matcher | undefined {
  if (command.type === 'receipt' && checkpoint.method === 'TradeOperation') {
    return {
      commandType: COMMAND.TICKET,
      what: 'ticket',
      admits: (e) => e.command === COMMAND.TICKET,
      mismatches: (d) => ticketMismatches(checkpoint.request, d.body),
    };
  }
  if ((command.type === 'cash.in' || command.type === 'cash.out') && checkpoint.method === 'MoneyPlacement') {
    return {
      commandType: COMMAND.MONEY_PLACEMENT,
      what: 'money placement',
      admits: (e) => e.command === COMMAND.MONEY_PLACEMENT,
      mismatches: (d) => placementMismatches(checkpoint.request, d.body),
    };
  }
  if (command.type === 'report.x' && checkpoint.method === 'ZXReport') {
    return {
      commandType: COMMAND.REPORT,
      what: 'X report',
      // TransactionList::Report.type (ReportTypeEnum) is a field the seed defines.
      admits: (e) => e.command === COMMAND.REPORT && (int(e.body['type']) ?? REPORT.X) === REPORT.X,
    };
  }
  return undefined;
}

async function reconcileZReport(
  env: CashCoreEnv,
  type: CommandType,
  checkpoint: CashCoreCheckpoint,
  kkm: KkmState,
  windowOpen: boolean,
  windowText: string,
): Promise<ReconcileVerdict> {
  if (!checkpoint.shiftOpen)
    return {
      state: 'notDone',
      reason: `shift ${checkpoint.shiftNumber} was already closed when the call was prepared`,
    };
  const closed =
    kkm.shiftNumber > checkpoint.shiftNumber ||
    (kkm.shiftNumber === checkpoint.shiftNumber && !kkm.shiftOpen);
  if (!closed) {
    if (windowOpen)
      return inDoubt(
        `shift ${checkpoint.shiftNumber} is still open, but the Z report may still be running: ${windowText}`,
      );
    return { state: 'notDone', reason: `shift ${checkpoint.shiftNumber} is still open` };
  }
  const found = await env.reads.zReportOf(checkpoint.shiftNumber, checkpoint.shiftDocumentNumber);
  const result =
    found.ok && found.value
      ? await reportFromTransaction(env, type, found.value, kkm)
      : {
          type,
          shiftNumber: checkpoint.shiftNumber,
          shift: { number: checkpoint.shiftNumber, open: false },
          identity: identityOf(kkm.regInfo, kkm.localName, kkm.vendorId),
          raw: { kkm: kkm.raw },
        };
  return { state: 'done', outcome: { ok: true, result: { ...result, replayed: true } } };
}

async function reconcileOperators(
  env: CashCoreEnv,
  command: CommandOf<'operators.sync'>,
  kkm: KkmState,
): Promise<ReconcileVerdict> {
  const operators = await env.reads.operators();
  if (!operators.ok) return cannotRead('the operators', operators.error);
  if (kkm.id === undefined) return inDoubt('GetKKMList gave no local register ID');
  const pending = planOperatorSync(command, operators.value, kkm.id);
  if (pending.ok && pending.value.length === 0) {
    return {
      state: 'done',
      outcome: {
        ok: true,
        result: { ...operatorsResult('operators.sync', operators.value, kkm), replayed: true },
      },
    };
  }
  return {
    state: 'notDone',
    reason: pending.ok ? `${pending.value.length} operator changes still to make` : pending.error.message,
  };
}
