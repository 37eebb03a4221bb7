import { type MethodDefinition, json, registerOf } from './method-context';
import { toTengeNumber } from './money';
import { formatRegisterDate, parseRegisterDate } from './register-time';
import type { Readings } from './readings';
import {
  CommandType,
  PaymentType,
  REPORT_OPERATION_ORDER,
  type TicketFacts,
  type TransactionRecord,
} from './register-state';
import { CashCoreError } from './response-codes';

/** GetTransactionList and GetTransaction: the register's stored documents, by ID (ascending). */

const COMMAND_TYPES: readonly number[] = Object.values(CommandType);

/**
 * The short bodies of GetTransactionList: TransactionList::Ticket / ::Report / ::MoneyPlacement.
 * The seed types `sum` and `payments` but does not say what they hold: `readings` decides.
 */
function listBody(record: TransactionRecord, readings: Readings): unknown {
  if (record.ticket) {
    const ticket = record.ticket;
    const sumTiyn =
      readings.ticketSum === 'total'
        ? ticket.totalTiyn
        : ticket.commodities.reduce((sum, c) => sum + c.sumTiyn, 0);
    return {
      operation: ticket.operation,
      payments: listPayments(ticket, readings),
      sum: toTengeNumber(sumTiyn),
      fiscal_id: ticket.fiscalId,
    };
  }
  if (record.report) {
    return {
      type: record.report.reportType,
      revenue: toTengeNumber(record.report.revenueTiyn),
      non_nullable_sums: REPORT_OPERATION_ORDER.map((operation) => ({
        operation,
        sum: toTengeNumber(record.report?.nonNullableTiyn[operation] ?? 0),
      })),
    };
  }
  const amount = record.placement?.sumTiyn ?? 0;
  return {
    operation: record.placement?.operation ?? 0,
    sum: readings.placementSum === 'amount' ? toTengeNumber(amount) : 0,
  };
}

/** A ticket's payments as sent (cash before change) or as registered (cash net of change). */
function listPayments(ticket: TicketFacts, readings: Readings): unknown[] {
  const net = ticket.payments;
  const gross = [
    ...(ticket.takenTiyn > 0 ? [{ type: PaymentType.CASH as number, tiyn: ticket.takenTiyn }] : []),
    ...net.filter((p) => p.type !== PaymentType.CASH),
  ].sort((a, b) => a.type - b.type);
  switch (readings.ticketPayments) {
    case 'typesGross':
      return gross.map((p) => p.type);
    case 'typesNet':
      return net.map((p) => p.type);
    case 'amountsGross':
      return gross.map((p) => ({ type: p.type, sum: toTengeNumber(p.tiyn) }));
    case 'amountsNet':
      return net.map((p) => ({ type: p.type, sum: toTengeNumber(p.tiyn) }));
    case 'none':
      return [];
  }
}

export function transactionEnvelope(record: TransactionRecord, body: unknown, utcOffsetMinutes: number) {
  return {
    ID: record.id,
    date: formatRegisterDate(record.atMs, utcOffsetMinutes),
    command: record.command,
    fr_shift_number: record.shiftNumber,
    shift_document_number: record.shiftDocumentNumber,
    is_offline: record.isOffline,
    body,
  };
}

export const getTransactionList: MethodDefinition = {
  name: 'GetTransactionList',
  httpMethods: 'POST',
  auth: true,
  mutates: false,
  handle(ctx) {
    const { fields, utcOffsetMinutes } = ctx;
    const kkm = registerOf(ctx);
    const period = (field: string): number | undefined => {
      const text = fields.string(field);
      if (text === undefined || text === '') return undefined;
      // Register local time, as the seed writes every dateTime: a zone suffix is refused, not guessed at.
      const ms = /(Z|[+-]\d{2}:?\d{2})$/i.test(text.trim())
        ? null
        : parseRegisterDate(text, utcOffsetMinutes);
      if (ms === null)
        throw fields.error(field, 'must be a register-local dateTime like 2022-02-24T00:00:00.000 (no zone)');
      return ms;
    };
    const start = period('period_start');
    const end = period('period_end');
    const commands = fields.intList('command_type_list') ?? [];
    const unknownCommand = commands.find((c) => !COMMAND_TYPES.includes(c));
    if (unknownCommand !== undefined)
      throw fields.error('command_type_list', `${unknownCommand} is not a CommandTypeEnum`);
    const transactionId = fields.int('transaction_id');
    const shiftNumber = fields.int('shift_number');
    const fiscalId = fields.string('fiscal_id');
    if (
      fiscalId !== undefined &&
      fiscalId !== '' &&
      !(commands.length === 1 && commands[0] === CommandType.TICKET)
    ) {
      // "Для поиска чеков по ФП следует указывать в параметре command_type_list только одно значение: COMMAND_TICKET"
      throw new CashCoreError('invalid_fields', 'fiscal_id needs command_type_list [1]');
    }
    const found = ctx.state.transactions.filter(
      (t) =>
        t.kkmOfdId === kkm.ofdId &&
        (start === undefined || t.atMs >= start) &&
        (end === undefined || t.atMs <= end) &&
        (commands.length === 0 || commands.includes(t.command)) &&
        (transactionId === undefined || t.id === transactionId) &&
        (shiftNumber === undefined || t.shiftNumber === shiftNumber) &&
        (fiscalId === undefined || fiscalId === '' || t.ticket?.fiscalId === fiscalId),
    );
    return json(found.map((t) => transactionEnvelope(t, listBody(t, ctx.readings), utcOffsetMinutes)));
  },
};

export const getTransaction: MethodDefinition = {
  name: 'GetTransaction',
  httpMethods: 'POST',
  auth: true,
  mutates: false,
  handle(ctx) {
    const kkm = registerOf(ctx);
    const id = ctx.fields.requiredInt('transaction_id');
    const record = ctx.state.transactions.find((t) => t.kkmOfdId === kkm.ofdId && t.id === id);
    if (!record)
      throw new CashCoreError('transaction_not_found', `no transaction ${id} on register ${kkm.ofdId}`);
    return json(transactionEnvelope(record, record.body, ctx.utcOffsetMinutes));
  },
};
