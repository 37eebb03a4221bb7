import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Json, type SimHandle, seedTradeOperation, simpleSale, startSim } from './helpers';

let sim: SimHandle;
// A frozen real clock: only POST /_sim/clock moves register time, so dates are exact.
const FROZEN = Date.parse('2025-01-17T08:00:00.000Z'); // 13:00 in UTC+5
beforeEach(async () => {
  sim = await startSim({ now: () => FROZEN });
});
afterEach(async () => {
  await sim.close();
});

const list = async (filters: Json = {}) => {
  const answer = await sim.call('GetTransactionList', { kkm_ofd_id: 6923, ...filters });
  expect(answer.response_code, JSON.stringify(answer.response_data)).toBe(0);
  return answer.response_data as Json[];
};

/** Shift 118: deposit, sale (1750 example), X; Z; shift 119 (a day later): sale, withdrawal. */
async function fillTwoShifts(): Promise<{ fiscalId: string }> {
  await sim.call('MoneyPlacement', { kkm_ofd_id: 6923, operation: 0, sum: 1000 });
  const sale = await sim.call('TradeOperation', seedTradeOperation());
  await sim.call('ZXReport', { kkm_ofd_id: 6923, report_type: 1 });
  await sim.call('ZXReport', { kkm_ofd_id: 6923, report_type: 0 });
  await sim.control('POST', 'clock', { advanceMs: 24 * 3600_000 });
  await sim.call('TradeOperation', simpleSale({ price: 10, payments: [{ type: 1, sum: 10 }] }));
  await sim.call('MoneyPlacement', { kkm_ofd_id: 6923, operation: 1, sum: 500 });
  return { fiscalId: sale.response_data.fiscal_id };
}

describe('GetTransactionList', () => {
  it('lists every document with the seed list bodies, ascending by ID', async () => {
    const { fiscalId } = await fillTwoShifts();
    const all = await list();
    expect(all.map((t) => [t.command, t.fr_shift_number, t.shift_document_number])).toEqual([
      [6, 118, 1],
      [1, 118, 2],
      [3, 118, 3],
      [2, 118, 4],
      [1, 119, 1],
      [6, 119, 2],
    ]);
    expect(all.map((t) => t.ID)).toEqual([1, 2, 3, 4, 5, 6]);
    // The strict readings (default): money placements list sum 0, tickets their sum before
    // discounts and the payment types as sent.
    expect(all[0]).toMatchObject({
      date: '2025-01-17T13:00:00.000',
      is_offline: false,
      body: { operation: 0, sum: 0 },
    });
    expect(all[1]?.body).toEqual({ operation: 2, payments: [0, 1], sum: 2000, fiscal_id: fiscalId });
    expect(all[2]?.body).toMatchObject({ type: 1, revenue: 1750 });
    expect(all[3]?.body).toEqual({
      type: 0,
      revenue: 1750,
      non_nullable_sums: [
        { operation: 2, sum: 729736.98 },
        { operation: 0, sum: 1753 },
        { operation: 3, sum: 31276 },
        { operation: 1, sum: 123 },
      ],
    });
    expect(all[5]?.body).toEqual({ operation: 1, sum: 0 });
  });

  it('list body shapes the seed leaves open follow POST /_sim/readings', async () => {
    await fillTwoShifts();
    // Cash 1000 + card 1000 for 1750: the cash line is 750 net of the 250 change.
    const ticketBody = async () => (await list({ command_type_list: [1] }))[0]?.body;
    const placementBody = async () => (await list({ command_type_list: [6] }))[0]?.body;
    await sim.control('POST', 'readings', {
      ticketSum: 'total',
      ticketPayments: 'typesNet',
      placementSum: 'amount',
    });
    expect(await ticketBody()).toMatchObject({ sum: 1750, payments: [0, 1] });
    expect(await placementBody()).toEqual({ operation: 0, sum: 1000 });
    await sim.control('POST', 'readings', { ticketPayments: 'amountsGross' });
    expect((await ticketBody()).payments).toEqual([
      { type: 0, sum: 1000 },
      { type: 1, sum: 1000 },
    ]);
    await sim.control('POST', 'readings', { ticketPayments: 'amountsNet' });
    expect((await ticketBody()).payments).toEqual([
      { type: 0, sum: 750 },
      { type: 1, sum: 1000 },
    ]);
    await sim.control('POST', 'readings', { ticketPayments: 'none', ticketSum: 'beforeModifiers' });
    expect(await ticketBody()).toMatchObject({ sum: 2000, payments: [] });
    // GetTransaction's full body is the same whatever the reading.
    const full = await sim.call('GetTransaction', { kkm_ofd_id: 6923, transaction_id: 2 });
    expect(full.response_data.body.amounts.total).toEqual({ bills: 1750, coins: 0 });
    expect(full.response_data.body.paymentsList).toEqual([
      { type: 0, sum: { bills: 750, coins: 0 } },
      { type: 1, sum: { bills: 1000, coins: 0 } },
    ]);
    // The whole set at once, the state shows it, bad readings are 400.
    expect(await sim.control('POST', 'readings', { readings: 'convenient' })).toEqual({
      ticketSum: 'total',
      ticketPayments: 'typesNet',
      placementSum: 'amount',
      closedShift: 'last',
    });
    expect((await sim.control('GET', 'state')).readings).toMatchObject({ ticketSum: 'total' });
    for (const bad of [{ ticketSum: 'net' }, { colour: 'red' }, { readings: 'lenient' }]) {
      const response = await fetch(`${sim.url}/_sim/readings`, { method: 'POST', body: JSON.stringify(bad) });
      expect(response.status).toBe(400);
    }
    // A reset goes back to the start options (strict).
    await sim.control('POST', 'reset');
    expect(await sim.control('GET', 'readings')).toMatchObject({
      ticketSum: 'beforeModifiers',
      closedShift: 'next',
    });
  });

  it('a cash line wholly given back as change: typesGross lists it, typesNet does not', async () => {
    // Card 1000 for 1000 plus 300 cash: change 300, nothing left on the cash line.
    await sim.call(
      'TradeOperation',
      simpleSale({
        price: 1000,
        payments: [
          { type: 0, sum: 300 },
          { type: 1, sum: 1000 },
        ],
      }),
    );
    expect((await list())[0]?.body.payments).toEqual([0, 1]);
    await sim.control('POST', 'readings', { ticketPayments: 'typesNet' });
    expect((await list())[0]?.body.payments).toEqual([1]);
  });

  it('the period is exact to the millisecond, in register local time, and refuses a zone', async () => {
    await sim.call('MoneyPlacement', { kkm_ofd_id: 6923, operation: 0, sum: 1 }); // 13:00:00.000
    await sim.control('POST', 'clock', { advanceMs: 1 });
    await sim.call('MoneyPlacement', { kkm_ofd_id: 6923, operation: 0, sum: 2 }); // 13:00:00.001
    const ids = async (filters: Json) => (await list(filters)).map((t) => t.ID);
    expect(await ids({ period_start: '2025-01-17T13:00:00.001' })).toEqual([2]);
    expect(await ids({ period_end: '2025-01-17T13:00:00.000' })).toEqual([1]);
    expect(
      await ids({ period_start: '2025-01-17T13:00:00.000', period_end: '2025-01-17T13:00:00.001' }),
    ).toEqual([1, 2]);
    // Register local time: 08:00 UTC is 13:00 on the register, so an 08:00 window is empty.
    expect(
      await ids({ period_start: '2025-01-17T08:00:00.000', period_end: '2025-01-17T08:59:59.999' }),
    ).toEqual([]);
    // A date alone is midnight.
    expect(await ids({ period_end: '2025-01-17' })).toEqual([]);
    for (const zoned of ['2025-01-17T08:00:00.000Z', '2025-01-17T13:00:00+05:00']) {
      const answer = await sim.call('GetTransactionList', { kkm_ofd_id: 6923, period_start: zoned });
      expect(answer.response_code, zoned).toBe(2);
    }
  });

  it('filters by command_type_list, shift_number, transaction_id, period and fiscal_id', async () => {
    const { fiscalId } = await fillTwoShifts();
    expect((await list({ command_type_list: [1] })).map((t) => t.ID)).toEqual([2, 5]);
    expect((await list({ command_type_list: [2, 3] })).map((t) => t.ID)).toEqual([3, 4]);
    expect((await list({ command_type_list: [6], shift_number: 119 })).map((t) => t.ID)).toEqual([6]);
    expect((await list({ shift_number: 118 })).map((t) => t.ID)).toEqual([1, 2, 3, 4]);
    expect((await list({ transaction_id: 5 })).map((t) => t.ID)).toEqual([5]);
    expect((await list({ period_start: '2025-01-18T00:00:00.000' })).map((t) => t.ID)).toEqual([5, 6]);
    expect((await list({ period_end: '2025-01-17T23:59:59.999' })).map((t) => t.ID)).toEqual([1, 2, 3, 4]);
    expect(
      (await list({ period_start: '2025-01-17T13:00:00.001', period_end: '2025-01-17T23:59:59.999' })).length,
    ).toBe(0);
    expect((await list({ command_type_list: [1], fiscal_id: fiscalId })).map((t) => t.ID)).toEqual([2]);
    expect(await list({ shift_number: 5 })).toEqual([]);
  });

  it('rejects a fiscal_id search without command_type_list [1], bad dates and unknown command types (2); unknown register 61', async () => {
    await fillTwoShifts();
    const codes = async (body: Json) =>
      (await sim.call('GetTransactionList', { kkm_ofd_id: 6923, ...body })).response_code;
    expect(await codes({ fiscal_id: '1' })).toBe(2);
    expect(await codes({ fiscal_id: '1', command_type_list: [1, 6] })).toBe(2);
    expect(await codes({ period_start: '24.02.2022' })).toBe(2);
    expect(await codes({ period_start: '2022-02-30T00:00:00' })).toBe(2);
    expect(await codes({ command_type_list: [4] })).toBe(2);
    expect(await codes({ shift_number: '1' })).toBe(2);
    expect((await sim.call('GetTransactionList', { kkm_ofd_id: 6922 })).response_code).toBe(61);
    expect((await sim.call('GetTransactionList', {})).response_code).toBe(2);
  });
});

describe('GetTransaction', () => {
  it('returns the full TicketObject, ReportObject and MoneyPlacementObject', async () => {
    await fillTwoShifts();
    const get = async (id: number) =>
      (await sim.call('GetTransaction', { kkm_ofd_id: 6923, transaction_id: id })).response_data;
    const ticket = await get(2);
    expect(ticket).toMatchObject({
      ID: 2,
      command: 1,
      fr_shift_number: 118,
      shift_document_number: 2,
      is_offline: false,
    });
    expect(ticket.body.amounts.total).toEqual({ bills: 1750, coins: 0 });
    expect(ticket.body.itemsList).toHaveLength(2);
    const x = await get(3);
    expect(x.body.shift_number).toBe(118);
    expect(x.body.ticket_operationsList[0].tickets_count).toBe(1);
    const z = await get(4);
    expect(z.command).toBe(2);
    expect(z.body.close_shift_time.date).toEqual({ year: 2025, month: 1, day: 17 });
    const placement = await get(6);
    expect(placement.body).toMatchObject({
      operation: 1,
      sum: { bills: 500, coins: 0 },
      fr_shift_number: 119,
      printed_document_number: 2,
    });
  });

  it('43 for an unknown transaction or one of another register; 2 without transaction_id', async () => {
    await sim.call('TradeOperation', simpleSale());
    await sim.call('SaveKKM', { ofd_id: 7000, ofd_token: 1 });
    expect((await sim.call('GetTransaction', { kkm_ofd_id: 6923, transaction_id: 99 })).response_code).toBe(
      43,
    );
    const other = await sim.call('GetTransaction', { kkm_ofd_id: 7000, transaction_id: 1 });
    expect(other.response_code).toBe(43);
    expect(other.response_data).toMatch(/^transaction_not_found/);
    expect((await sim.call('GetTransaction', { kkm_ofd_id: 6923 })).response_code).toBe(2);
  });
});
