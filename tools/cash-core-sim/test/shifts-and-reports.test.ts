import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Json, type SimHandle, kkm6923, simpleSale, startSim } from './helpers';

let sim: SimHandle;
beforeEach(async () => {
  sim = await startSim();
});
afterEach(async () => {
  await sim.close();
});

const zReport = () => sim.call('ZXReport', { kkm_ofd_id: 6923, report_type: 0 });
const xReport = () => sim.call('ZXReport', { kkm_ofd_id: 6923, report_type: 1 });
const placement = (operation: number, sum: number) =>
  sim.call('MoneyPlacement', { kkm_ofd_id: 6923, operation, sum });

describe('shift and counters', () => {
  it('starts closed at shift 117; the first document opens shift 118 with document 1', async () => {
    const before = await kkm6923(sim);
    // A closed shift is shown as the number the next shift will take (closedShift "next", the default).
    expect(before).toMatchObject({
      shift_state: 0,
      fr_shift_number: 118,
      shift_document_number: 0,
      cash_sum: 0,
      revenue: 0,
    });
    expect((await sim.control('GET', 'state')).shiftOpen).toBe(false);

    const sale = await sim.call('TradeOperation', simpleSale({ price: 500 }));
    expect(sale.response_data).toMatchObject({
      fr_shift_number: 118,
      shift_document_number: 1,
      shift_state: 1,
    });
    const open = await kkm6923(sim);
    expect(open).toMatchObject({
      shift_state: 1,
      fr_shift_number: 118,
      shift_document_number: 1,
      cash_sum: 500,
      revenue: 500,
    });
    expect(open.shift_open_date).not.toBe('1899-12-30T00:00:00.000');
    expect(open.start_shift_non_nullable_sums).toEqual([1753, 123, 727986.98, 31276]);
    expect(open.non_nullable_sums).toEqual([1753, 123, 728486.98, 31276]);
    expect(await sim.control('GET', 'state')).toMatchObject({
      shiftOpen: true,
      shiftNumber: 118,
      shiftDocumentNumber: 1,
      cashInDrawer: 50000,
    });
  });

  it('every document takes the next number in the shift: tickets, money placements, X and Z reports', async () => {
    const numbers: number[] = [];
    numbers.push((await placement(0, 100)).response_data.shift_document_number);
    numbers.push((await sim.call('TradeOperation', simpleSale())).response_data.shift_document_number);
    numbers.push((await xReport()).response_data.shift_document_number);
    numbers.push((await placement(1, 50)).response_data.shift_document_number);
    const z = await zReport();
    numbers.push(z.response_data.shift_document_number);
    expect(numbers).toEqual([1, 2, 3, 4, 5]);
    expect(z.response_data).toMatchObject({
      command_type: 2,
      report_type: 0,
      shift_state: 0,
      fr_shift_number: 118,
    });
    expect(z.response_data.body.close_shift_time.date.year).toBeGreaterThan(2000);

    const closed = await kkm6923(sim);
    expect(closed).toMatchObject({
      shift_state: 0,
      fr_shift_number: 119,
      shift_document_number: 0,
      cash_sum: 150,
    });
    expect(await sim.control('GET', 'state')).toMatchObject({ shiftNumber: 118, shiftDocumentNumber: 5 });
    expect(closed.shift_close_date).not.toBe('1899-12-30T00:00:00.000');

    // Cash stays in the drawer across shifts; the next document opens shift 119 at number 1.
    const next = await placement(1, 150);
    expect(next.response_data).toMatchObject({ fr_shift_number: 119, shift_document_number: 1 });
    expect((await kkm6923(sim)).cash_sum).toBe(0);
    const kinds = (await sim.control('GET', 'journal')).entries.map((e: Json) => [
      e.kind,
      e.shiftNumber,
      e.shiftDocumentNumber,
    ]);
    expect(kinds).toEqual([
      ['deposit', 118, 1],
      ['sale', 118, 2],
      ['xreport', 118, 3],
      ['withdrawal', 118, 4],
      ['zreport', 118, 5],
      ['withdrawal', 119, 1],
    ]);
  });

  it.each([
    ['last', 118, 3],
    ['lastZero', 118, 0],
    ['next', 119, 0],
  ] as const)(
    'closedShift "%s": after a Z, GetKKMList shows shift %i document %i until the next document',
    async (closedShift, shownShift, shownDocument) => {
      expect(await sim.control('POST', 'readings', { closedShift })).toMatchObject({ closedShift });
      await placement(0, 100);
      await sim.call('TradeOperation', simpleSale());
      const z = await zReport();
      // The Z's own answer carries its document's numbers, whatever the reading.
      expect(z.response_data).toMatchObject({
        fr_shift_number: 118,
        shift_document_number: 3,
        shift_state: 0,
      });
      expect(await kkm6923(sim)).toMatchObject({
        shift_state: 0,
        fr_shift_number: shownShift,
        shift_document_number: shownDocument,
      });
      const next = await placement(0, 1);
      expect(next.response_data).toMatchObject({ fr_shift_number: 119, shift_document_number: 1 });
      expect(await kkm6923(sim)).toMatchObject({
        shift_state: 1,
        fr_shift_number: 119,
        shift_document_number: 1,
      });
    },
  );

  it('X does not close the shift, Z does; both refuse a closed shift with 35 and make no document', async () => {
    expect((await xReport()).response_code).toBe(35);
    expect((await zReport()).response_code).toBe(35);
    await sim.call('TradeOperation', simpleSale());
    expect((await xReport()).response_data.shift_state).toBe(1);
    expect((await kkm6923(sim)).shift_state).toBe(1);
    expect((await zReport()).response_code).toBe(0);
    const z2 = await zReport();
    expect(z2.response_code).toBe(35);
    expect(z2.response_data).toMatch(/^kkm_shift_state_is_not_opened/);
    expect((await sim.control('GET', 'journal')).entries).toHaveLength(3);
  });

  it('invalid report_type is 34', async () => {
    expect((await sim.call('ZXReport', { kkm_ofd_id: 6923, report_type: 2 })).response_code).toBe(34);
    expect((await sim.call('ZXReport', { kkm_ofd_id: 6923 })).response_code).toBe(34);
  });

  it('a shift older than 24 h refuses documents with 31 until a Z report closes it', async () => {
    await sim.call('TradeOperation', simpleSale());
    await sim.control('POST', 'clock', { advanceMs: 24 * 3600_000 + 1000 });
    expect((await sim.call('TradeOperation', simpleSale())).response_code).toBe(31);
    expect((await placement(0, 1)).response_code).toBe(31);
    expect((await xReport()).response_code).toBe(31);
    expect((await zReport()).response_code).toBe(0);
    const next = await sim.call('TradeOperation', simpleSale());
    expect(next.response_code).toBe(0);
    expect(next.response_data.fr_shift_number).toBe(119);
  });

  it('auto_withdraw_money: a Z report first withdraws the whole drawer', async () => {
    await sim.call('SaveKKM', { ofd_id: 6923, auto_withdraw_money: true });
    await sim.call('TradeOperation', simpleSale({ price: 321.45 }));
    const z = await zReport();
    expect(z.response_data.shift_document_number).toBe(3);
    expect(z.response_data.body.cash_sum).toEqual({ bills: 0, coins: 0 });
    expect(z.response_data.body.money_placementsList[0]).toMatchObject({
      operation: 1,
      operations_count: 1,
      operations_sum: { bills: 321, coins: 45 },
    });
    const journal = (await sim.control('GET', 'journal')).entries;
    expect(journal.map((e: Json) => e.kind)).toEqual(['sale', 'withdrawal', 'zreport']);
    expect(journal[1].total).toBe(32145);
    expect((await kkm6923(sim)).cash_sum).toBe(0);
  });

  it('revenue is negative after returns exceed sales', async () => {
    await placement(0, 1000);
    await sim.call('TradeOperation', simpleSale({ price: 300, operation: 3 }));
    const x = await xReport();
    expect(x.response_data.body.revenue).toEqual({ sum: { bills: 300, coins: 0 }, is_negative: true });
    expect((await kkm6923(sim)).revenue).toBe(-300);
  });
});

describe('MoneyPlacement', () => {
  it('deposits and withdraws cash; 58 when the drawer lacks it', async () => {
    const deposit = await placement(0, 1234.56);
    expect(deposit.response_data.body.sum).toEqual({ bills: 1234, coins: 56 });
    expect((await kkm6923(sim)).cash_sum).toBe(1234.56);
    const tooMuch = await placement(1, 1234.57);
    expect(tooMuch.response_code).toBe(58);
    expect(tooMuch.response_data).toMatch(/^not_enough_cash/);
    const withdrawal = await placement(1, 1234.56);
    expect(withdrawal.response_code).toBe(0);
    expect(withdrawal.response_data.body).toMatchObject({ operation: 1, sum: { bills: 1234, coins: 56 } });
    expect((await kkm6923(sim)).cash_sum).toBe(0);
  });

  it('a withdrawal from an empty drawer with a closed shift opens nothing', async () => {
    expect((await placement(1, 1)).response_code).toBe(58);
    expect(await kkm6923(sim)).toMatchObject({ shift_state: 0, fr_shift_number: 118 });
    expect((await sim.control('GET', 'state')).shiftNumber).toBe(117);
  });

  it('validates operation (2), sum (negative 53, zero or more than two decimals 2) and register (61)', async () => {
    expect((await placement(2, 1)).response_code).toBe(2);
    expect((await placement(0, -5)).response_code).toBe(53);
    expect((await placement(0, 0)).response_code).toBe(2);
    expect((await placement(0, 1.234)).response_code).toBe(2);
    expect((await sim.call('MoneyPlacement', { kkm_ofd_id: 6923, operation: 0 })).response_code).toBe(2);
    expect((await sim.call('MoneyPlacement', { kkm_ofd_id: 5, operation: 0, sum: 1 })).response_code).toBe(
      61,
    );
  });
});
