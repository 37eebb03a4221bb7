import { type MethodDefinition, json, registerOf } from './method-context';
import { toTengeNumber } from './money';
import { formatRegisterDate, parseRegisterDate } from './register-time';
import { CommandType, REPORT_OPERATION_ORDER, type TransactionRecord } from './register-state';
import { CashCoreError } from './response-codes';

/** GetTransactionList and GetTransaction: the register's stored documents, by ID (ascending). */

const COMMAND_TYPES: readonly number[] = Object.values(CommandType);

/** The short bodies of GetTransactionList: TransactionList::Ticket / ::Report / ::MoneyPlacement. */
function listBody(record: TransactionRecord): unknown {
  if (record.ticket) {
    return {
      operation: record.ticket.operation,
      payments: record.ticket.payments.map((p) => p.type),
      sum: toTengeNumber(record.ticket.totalTiyn),
      fiscal_id: record.ticket.fiscalId,
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
  return { operation: record.placement?.operation ?? 0, sum: toTengeNumber(record.placement?.sumTiyn ?? 0) };
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
      const ms = parseRegisterDate(text, utcOffsetMinutes);
      if (ms === null) throw fields.error(field, 'must be a dateTime like 2022-02-24T00:00:00.000');
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
    return json(found.map((t) => transactionEnvelope(t, listBody(t), utcOffsetMinutes)));
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
