import {
  type CanonicalCommand,
  changeDue,
  emptyShiftCounters,
  type CommandOf,
  type CommandResult,
  type CommandType,
  type Operator,
  type ShiftCounters,
} from '@kassa-relay/protocol';
import { type CoreOperator, ROLE_NAME } from './cash-core-operators';
import {
  COMMAND,
  dateTimeObjectToIso,
  identityOf,
  int,
  type Json,
  type KkmState,
  minorOf,
  nonEmpty,
  obj,
  progressiveOf,
  reportCounters,
  ROLE,
  str,
} from './cash-core-wire';
import type { FullTransaction } from './cash-core-reads';

/**
 * Wire mapping: the core's answers (seed 003) → canonical command results. Pure functions; a
 * result rebuilt from GetTransaction (reconciliation, report.z) uses the same mapping as the
 * fiscal call's own answer, with the header taken from the document's list entry.
 */

/** Shift counters GetKKMList alone can tell: the drawer and the progressive totals. */
export function kkmCounters(kkm: KkmState): ShiftCounters {
  return {
    ...emptyShiftCounters(),
    cashBalance: kkm.cashSum ?? 0,
    ...progressiveOf(kkm),
  };
}

/**
 * A ticket's result from the TradeOperation answer (header = response_data) or, when reconciled,
 * from GetTransaction (header rebuilt from the transaction entry, body = TicketObject).
 */
export function ticketResult(command: CommandOf<'receipt'>, header: Json, body: Json): CommandResult {
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

export function placementResult(
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

export function reportResult(
  type: CommandType,
  header: Json,
  body: Json,
  utcOffsetMinutes: number,
): CommandResult {
  const shiftNumber = int(header['fr_shift_number']) ?? int(body['shift_number']) ?? 0;
  const documentNumber = int(header['shift_document_number']);
  const openedAt = dateTimeObjectToIso(body['open_shift_time'], utcOffsetMinutes);
  const closedAt = dateTimeObjectToIso(body['close_shift_time'], utcOffsetMinutes);
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

/** The header a fiscal answer would have had, rebuilt from a document's list entry and the register. */
export function headerOf(document: FullTransaction, kkm: KkmState): Json {
  const { entry, body } = document;
  const shiftOpen = kkm.shiftOpen && kkm.shiftNumber === entry.shiftNumber;
  return {
    fr_shift_number: entry.shiftNumber,
    shift_document_number: entry.documentNumber,
    is_offline: entry.isOffline,
    shift_state: entry.command === COMMAND.CLOSE_SHIFT ? 0 : shiftOpen ? 1 : 0,
    operator_name: obj(body['operator'])['name'],
    reg_info: kkm.regInfo,
    kkm_local_name: kkm.localName,
    // TransactionList::Ticket.fiscal_id; a TicketObject has none, its QR line carries it too.
    ...(entry.command === COMMAND.TICKET && nonEmpty(entry.body['fiscal_id'])
      ? { fiscal_id: entry.body['fiscal_id'] }
      : {}),
  };
}

/** A command's result from the document GetTransaction answered (reconciliation, report.z). */
export function resultFromDocument(
  command: CanonicalCommand | { type: CommandType },
  document: FullTransaction,
  kkm: KkmState,
  utcOffsetMinutes: number,
): CommandResult {
  const header = headerOf(document, kkm);
  const raw = document.raw;
  if (command.type === 'receipt')
    return { ...ticketResult(command as CommandOf<'receipt'>, header, document.body), raw };
  if (command.type === 'cash.in' || command.type === 'cash.out')
    return {
      ...placementResult(command as CommandOf<'cash.in'> | CommandOf<'cash.out'>, header, document.body),
      raw,
    };
  const { operator_name: _operator, ...reportHeader } = header;
  return { ...reportResult(command.type, reportHeader, document.body, utcOffsetMinutes), raw };
}

/** Operators who may use this register: administrators (every register) and those bound to it. */
export function operatorsResult(type: CommandType, operators: CoreOperator[], kkm: KkmState): CommandResult {
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
