import { type MethodDefinition, assertCanRegister, callerOf, json, registerOf } from './method-context';
import { registerMoneyPlacement } from './money-placement';
import { type Tiyn, toMoney, toTengeNumber } from './money';
import { readImageOptions } from './request-fields';
import { toDateTimeObject } from './register-time';
import {
  CommandType,
  type KkmRecord,
  MoneyPlacementType,
  type OperationType,
  REPORT_OPERATION_ORDER,
  ReportType,
  type SimState,
  type TicketFacts,
  type TransactionRecord,
  allocateDocument,
  appendJournal,
  documentAnswerHeader,
} from './register-state';
import { CashCoreError } from './response-codes';

/**
 * ZXReport: the X report (a snapshot of the open shift) and the Z report (the same figures, then
 * the shift is closed). Both are fiscal documents with their own shift document number.
 */

/**
 * The seed's ZXReport example renders empty lists as `{}` (`"markupsList": {}`, `"paymentsList": {}`),
 * an artefact of its protobuf-to-JSON conversion; non-empty ones are arrays. Drivers must accept both.
 */
const protoList = <T>(list: T[]): T[] | Record<string, never> => (list.length > 0 ? list : {});

interface OperationTotal {
  operation: OperationType;
  count: number;
  sumTiyn: Tiyn;
}

function totalsByOperation(
  entries: { operation: OperationType; count: number; sumTiyn: Tiyn }[],
): OperationTotal[] {
  const byOperation = new Map<OperationType, OperationTotal>();
  for (const entry of entries) {
    const total = byOperation.get(entry.operation) ?? { operation: entry.operation, count: 0, sumTiyn: 0 };
    total.count += entry.count;
    total.sumTiyn += entry.sumTiyn;
    byOperation.set(entry.operation, total);
  }
  return REPORT_OPERATION_ORDER.flatMap((op) => {
    const total = byOperation.get(op);
    return total ? [total] : [];
  });
}

const operationOut = (t: OperationTotal) => ({
  operation: t.operation,
  count: t.count,
  sum: toMoney(t.sumTiyn),
});

const ticketsOf = (transactions: TransactionRecord[]): { record: TransactionRecord; ticket: TicketFacts }[] =>
  transactions.flatMap((record) => (record.ticket ? [{ record, ticket: record.ticket }] : []));

/** Seed 003 `ReportObject` for the register's current (or just closing) shift. */
export function buildReportBody(
  state: SimState,
  kkm: KkmRecord,
  now: number,
  closing: boolean,
  utcOffsetMinutes: number,
) {
  const all = state.transactions.filter((t) => t.kkmOfdId === kkm.ofdId);
  const shift = all.filter((t) => t.shiftNumber === kkm.shiftNumber);
  const shiftTickets = ticketsOf(shift);
  const allTickets = ticketsOf(all);

  const sectionCodes = [
    ...new Set(shiftTickets.flatMap(({ ticket }) => ticket.commodities.map((c) => c.sectionCode))),
  ];
  const sectionsList = sectionCodes.map((code) => ({
    section_code: code,
    operationsList: protoList(
      totalsByOperation(
        shiftTickets.flatMap(({ ticket }) =>
          ticket.commodities
            .filter((c) => c.sectionCode === code)
            .map((c) => ({ operation: ticket.operation, count: 1, sumTiyn: c.sumTiyn })),
        ),
      ).map(operationOut),
    ),
  }));
  const operationsList = totalsByOperation(
    shiftTickets.flatMap(({ ticket }) =>
      ticket.commodities.map((c) => ({ operation: ticket.operation, count: 1, sumTiyn: c.sumTiyn })),
    ),
  );
  // Discounts and markups count every modifier: the item ones and the receipt one (the seed's example: 50 + 200, count 2).
  const modifierTotals = (pick: (t: TicketFacts) => Tiyn[]) =>
    totalsByOperation(
      shiftTickets.flatMap(({ ticket }) =>
        pick(ticket)
          .filter((sum) => sum > 0)
          .map((sum) => ({ operation: ticket.operation, count: 1, sumTiyn: sum })),
      ),
    );
  const discountsList = modifierTotals((t) => [
    ...t.commodities.map((c) => c.discountTiyn),
    t.receiptDiscountTiyn,
  ]);
  const markupsList = modifierTotals((t) => [...t.commodities.map((c) => c.markupTiyn), t.receiptMarkupTiyn]);
  const totalResultList = totalsByOperation(
    shiftTickets.map(({ ticket }) => ({ operation: ticket.operation, count: 1, sumTiyn: ticket.totalTiyn })),
  );

  const percents = [
    ...new Set(shiftTickets.flatMap(({ ticket }) => ticket.taxes.map((t) => t.percentMilli))),
  ];
  const taxesList = percents.map((percent) => ({
    percent,
    operationsList: REPORT_OPERATION_ORDER.flatMap((operation) => {
      const taxes = shiftTickets
        .filter(({ ticket }) => ticket.operation === operation)
        .flatMap(({ ticket }) => ticket.taxes.filter((t) => t.percentMilli === percent));
      if (taxes.length === 0) return [];
      const turnover = taxes.reduce((s, t) => s + t.turnoverTiyn, 0);
      const tax = taxes.reduce((s, t) => s + t.taxTiyn, 0);
      return [
        {
          operation,
          turnover: toMoney(turnover),
          turnover_without_tax: toMoney(turnover - tax),
          sum: toMoney(tax),
        },
      ];
    }),
  }));

  const nonNullable = (sums: Tiyn[]) =>
    REPORT_OPERATION_ORDER.map((operation) => ({ operation, sum: toMoney(sums[operation] ?? 0) }));

  const ticketOperationsList = REPORT_OPERATION_ORDER.map((operation) => {
    const tickets = shiftTickets.filter(({ ticket }) => ticket.operation === operation);
    const sum = (pick: (t: TicketFacts) => Tiyn) =>
      toMoney(tickets.reduce((s, { ticket }) => s + pick(ticket), 0));
    const paymentTypes = [
      ...new Set(tickets.flatMap(({ ticket }) => ticket.payments.map((p) => p.type))),
    ].sort((a, b) => a - b);
    return {
      operation,
      tickets_total_count: allTickets.filter(({ ticket }) => ticket.operation === operation).length,
      tickets_count: tickets.length,
      tickets_sum: sum((t) => t.totalTiyn),
      offline_count: tickets.filter(({ record }) => record.isOffline).length,
      discount_sum: sum((t) => t.receiptDiscountTiyn),
      markup_sum: sum((t) => t.receiptMarkupTiyn),
      change_sum: sum((t) => t.changeTiyn),
      paymentsList: protoList(
        paymentTypes.map((type) => {
          const lines = tickets.flatMap(({ ticket }) => ticket.payments.filter((p) => p.type === type));
          return { payment: type, sum: toMoney(lines.reduce((s, p) => s + p.tiyn, 0)), count: lines.length };
        }),
      ),
    };
  });

  const moneyPlacementsList = [MoneyPlacementType.WITHDRAWAL, MoneyPlacementType.DEPOSIT].map((operation) => {
    const placements = shift.filter((t) => t.placement?.operation === operation);
    return {
      operation,
      operations_total_count: all.filter((t) => t.placement?.operation === operation).length,
      operations_count: placements.length,
      operations_sum: toMoney(placements.reduce((s, t) => s + (t.placement?.sumTiyn ?? 0), 0)),
      offline_count: placements.filter((t) => t.isOffline).length,
    };
  });

  return {
    date_time: toDateTimeObject(now, utcOffsetMinutes),
    shift_number: kkm.shiftNumber,
    annulled_tickets: {
      annulled_tickets_total_count: 0,
      annulled_tickets_count: 0,
      annulled_operationsList: {},
    },
    cash_sum: toMoney(kkm.cashTiyn),
    revenue: { sum: toMoney(Math.abs(kkm.revenueTiyn)), is_negative: kkm.revenueTiyn < 0 },
    open_shift_time: toDateTimeObject(kkm.shiftOpenMs, utcOffsetMinutes),
    close_shift_time: toDateTimeObject(closing ? now : null, utcOffsetMinutes),
    checksum: '',
    sectionsList: protoList(sectionsList),
    operationsList: protoList(operationsList.map(operationOut)),
    discountsList: protoList(discountsList.map(operationOut)),
    markupsList: protoList(markupsList.map(operationOut)),
    total_resultList: protoList(totalResultList.map(operationOut)),
    taxesList: protoList(taxesList),
    start_shift_non_nullable_sumsList: nonNullable(kkm.startShiftNonNullableTiyn),
    ticket_operationsList: ticketOperationsList,
    money_placementsList: moneyPlacementsList,
    non_nullable_sumsList: nonNullable(kkm.nonNullableTiyn),
  };
}

/** `total_payments` in tiyn: the shift's sales by payment type, indexed 0..4 like PaymentTypeEnum (as in the seed's example). */
function totalPayments(state: SimState, kkm: KkmRecord): Tiyn[] {
  const slots = [0, 0, 0, 0, 0];
  for (const t of state.transactions) {
    if (t.kkmOfdId !== kkm.ofdId || t.shiftNumber !== kkm.shiftNumber || t.ticket?.operation !== 2) continue;
    for (const p of t.ticket.payments) slots[p.type] = (slots[p.type] ?? 0) + p.tiyn;
  }
  return slots;
}

export const zxReport: MethodDefinition = {
  name: 'ZXReport',
  httpMethods: 'POST',
  auth: true,
  mutates: true,
  handle(ctx) {
    const operator = callerOf(ctx);
    const { fields, state, now } = ctx;
    const kkm = registerOf(ctx);
    const reportType = fields.raw('report_type');
    if (reportType !== ReportType.Z && reportType !== ReportType.X) {
      throw new CashCoreError('invalid_report_type', 'report_type must be 0 (Z) or 1 (X)');
    }
    readImageOptions(fields);
    fields.bool('is_printable');
    const closing = reportType === ReportType.Z;
    assertCanRegister(kkm, now, { closingShift: closing });
    // Without an open shift there is nothing to report on or close; no document is made.
    if (!kkm.shiftOpen) throw new CashCoreError('kkm_shift_state_is_not_opened');

    if (closing && kkm.autoWithdrawMoney) {
      // "Автоматическое изъятие наличных при закрытии смены": a withdrawal document of the whole drawer
      // precedes the closing (the seed's transaction list shows one, even for 0).
      registerMoneyPlacement(
        state,
        kkm,
        operator,
        MoneyPlacementType.WITHDRAWAL,
        kkm.cashTiyn,
        now,
        ctx.utcOffsetMinutes,
        true,
      );
    }
    const payments = totalPayments(state, kkm);
    const numbers = allocateDocument(state, kkm, now);
    const body = buildReportBody(state, kkm, now, closing, ctx.utcOffsetMinutes);
    if (closing) {
      kkm.shiftOpen = false;
      kkm.shiftCloseMs = now;
    }
    // A Z report is the OFD's COMMAND_CLOSE_SHIFT (2) — GetTransactionList lists it so — an X report COMMAND_REPORT (3).
    const command = closing ? CommandType.CLOSE_SHIFT : CommandType.REPORT;
    const operatorOut = { code: operator.id, name: operator.name };
    state.transactions.push({
      id: numbers.transactionId,
      kkmOfdId: kkm.ofdId,
      atMs: now,
      command,
      shiftNumber: numbers.shiftNumber,
      shiftDocumentNumber: numbers.shiftDocumentNumber,
      isOffline: numbers.isOffline,
      operator: operatorOut,
      report: { reportType, revenueTiyn: kkm.revenueTiyn, nonNullableTiyn: [...kkm.nonNullableTiyn] },
      body,
    });
    appendJournal(state, {
      kind: closing ? 'zreport' : 'xreport',
      operation: closing ? 'REPORT_Z' : 'REPORT_X',
      kkmOfdId: kkm.ofdId,
      transactionId: numbers.transactionId,
      shiftNumber: numbers.shiftNumber,
      shiftDocumentNumber: numbers.shiftDocumentNumber,
      total: kkm.revenueTiyn,
      payments: payments.map((sum, type) => ({ type, sum })).filter((p) => p.sum !== 0),
      offline: numbers.isOffline,
      operatorId: operator.id,
      at: now,
    });
    return json({
      report_type: reportType,
      total_payments: payments.map(toTengeNumber),
      ...documentAnswerHeader(kkm, command, operator.name, numbers),
      body,
      ads_info: [],
    });
  },
};
