import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INITIAL_KEY, startTestDevice, type TestDevice } from './helpers';

let device: TestDevice;
beforeEach(async () => {
  device = await startTestDevice();
});
afterEach(async () => {
  await device.stop();
});

/** Fills the drawer so that returns and purchases have cash to pay out. */
async function deposit(amount: string): Promise<void> {
  const answer = await device.call('/apideposit', { key: await device.key(), cash: amount });
  expect(answer.status).toBe(200);
}

describe('/api registration (seed "Регистрация через API")', () => {
  it('answers the seed sample receipt (sale 2920, cash 3000) with a new key, 200 and the check number', async () => {
    const answer = await device.call('/api', { key: INITIAL_KEY, sale: '2920', cash: '3000' }, 'POST');
    expect(answer.status).toBe(200);
    expect(answer.statusText).toBe('1');
    expect(answer.body).toMatch(/^[1-9]\d{7}$/);
    expect(answer.body).not.toBe(INITIAL_KEY);
    expect(await device.key()).toBe(answer.body);

    const [entry, ...rest] = await device.journal();
    expect(rest).toHaveLength(0);
    expect(entry).toMatchObject({
      seq: 1,
      kind: 'sale',
      checkNumber: 1,
      shiftNumber: 1,
      total: 292_000,
      amount: 292_000,
      change: 8_000,
      payments: { cash: 300_000, bank: 0, tara: 0, credit: 0 },
      key: INITIAL_KEY,
      newKey: answer.body,
    });
    // Seed sample: "В т.ч. НДС 12 % 313 тг" — 2920 × 12/112 = 312.857… → 312.86 in tiyn.
    expect(entry?.taxAmount).toBe(31_286);
  });

  it('accepts GET with a query string as well as POST', async () => {
    const answer = await device.call('/api', { key: INITIAL_KEY, sale: '100', cash: '100' }, 'GET');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatch(/^\d{8}$/);
  });

  it('rotates the key: the new key registers, the next check number follows', async () => {
    const first = await device.call('/api', { key: INITIAL_KEY, sale: '100', cash: '100' }, 'POST');
    const second = await device.call('/api', { key: first.body, sale: '200', cash: '200' }, 'POST');
    expect(second.status).toBe(200);
    expect(second.statusText).toBe('2');
    expect(second.body).not.toBe(first.body);
    expect((await device.journal()).map((entry) => entry.checkNumber)).toEqual([1, 2]);
  });

  it('a repeat with the last used key answers 203 with the same answer and registers nothing', async () => {
    const first = await device.call('/api', { key: INITIAL_KEY, sale: '2920', cash: '3000' }, 'POST');
    const repeat = await device.call('/api', { key: INITIAL_KEY, sale: '2920', cash: '3000' }, 'POST');
    expect(repeat).toEqual({ status: 203, statusText: first.statusText, body: first.body });
    expect(await device.journal()).toHaveLength(1);
    expect(await device.key()).toBe(first.body);
    // The device does not compare the rest of the request: another sale with that key is
    // answered with the first one's answer, and registers nothing.
    const other = await device.call('/api', { key: INITIAL_KEY, sale: '999', cash: '999' }, 'POST');
    expect(other).toEqual({ status: 203, statusText: '1', body: first.body });
    expect(await device.journal()).toHaveLength(1);

    // Only the last used key is replayed: once the key moved on again, an older key is wrong.
    const second = await device.call('/api', { key: first.body, sale: '1', cash: '1' }, 'POST');
    const olderRepeat = await device.call('/api', { key: INITIAL_KEY, sale: '2920', cash: '3000' }, 'POST');
    expect(olderRepeat).toEqual({ status: 400, statusText: 'неверный web-api ключ', body: '-1' });
    const secondRepeat = await device.call('/api', { key: first.body, sale: '1', cash: '1' });
    expect(secondRepeat).toEqual({ status: 203, statusText: '2', body: second.body });
    expect(await device.journal()).toHaveLength(2);
    expect((await device.control<{ replayKey: string }>('GET', '/_sim/state')).replayKey).toBe(first.body);
  });

  it('forgets the replay on a reboot: the last used key is then wrong (-1); the document stays findable', async () => {
    const first = await device.sell('100');
    await device.reboot();
    expect((await device.control<{ replayKey: string | null }>('GET', '/_sim/state')).replayKey).toBeNull();
    expect(await device.call('/api', { key: INITIAL_KEY, sale: '100', cash: '100' }, 'POST')).toMatchObject({
      status: 400,
      body: '-1',
    });
    expect(await device.json('/dump/transaction/' + INITIAL_KEY, { key: first.body })).toMatchObject({
      docid: '1',
    });
    expect((await device.call('/apicheck/printLastDocument', { key: first.body })).body).toBe('-7');
    expect(await device.journal()).toHaveLength(1);
    expect(await device.key()).toBe(first.body);
  });

  it('-1 for a key the device never issued (and for a missing key); nothing registered, key unchanged', async () => {
    for (const params of [{ key: '99998888' }, {}] as Record<string, string>[]) {
      const answer = await device.call('/api', { ...params, sale: '100', cash: '100' }, 'POST');
      expect(answer).toEqual({ status: 400, statusText: 'неверный web-api ключ', body: '-1' });
    }
    expect(await device.journal()).toHaveLength(0);
    expect(await device.key()).toBe(INITIAL_KEY);
  });

  it('registers buy, saleReturn and buyReturn with cash equal to the total', async () => {
    await deposit('10000');
    for (const kind of ['buy', 'saleReturn', 'buyReturn'] as const) {
      const answer = await device.call(
        '/api',
        { key: await device.key(), [kind]: '500', cash: '500' },
        'POST',
      );
      expect(answer.status, kind).toBe(200);
    }
    const journal = await device.journal();
    expect(journal.map((entry) => entry.kind)).toEqual(['deposit', 'buy', 'saleReturn', 'buyReturn']);
    const state = await device.control<{ cashWeHave: number }>('GET', '/_sim/state');
    expect(state.cashWeHave).toBe(1_000_000 - 50_000 - 50_000 + 50_000);
  });

  it('refuses amounts with decimals by default (-9 "передавать только цифры"), itemdata prices and sums too', async () => {
    const cases: Record<string, string>[] = [
      { sale: '2920.5', cash: '3000' },
      { sale: '2920.00', cash: '3000' },
      { sale: '2920', cash: '3000.25' },
      { sale: '2920', cash: '2000', bank: '920.5' },
      {
        sale: '100',
        cash: '100',
        itemdata: JSON.stringify([{ name: 'Чай', price: '50.5', qty: '2', sum: '101' }]),
      },
      {
        sale: '100',
        cash: '100',
        itemdata: JSON.stringify([{ name: 'Чай', price: '50', qty: '2', sum: '100.00' }]),
      },
      { sale: '100', cash: '100', itemdata: JSON.stringify([{ name: 'Чай', price: 40.5, qty: 2, sum: 81 }]) },
      { sale: '100', cash: '100', itemdata: JSON.stringify([{ name: 'скидка', discount: '0.5' }]) },
    ];
    for (const params of cases) {
      const answer = await device.call('/api', { key: INITIAL_KEY, ...params }, 'POST');
      expect(answer, JSON.stringify(params)).toEqual({
        status: 400,
        statusText: 'ошибка значений параметров',
        body: '-9',
      });
    }
    expect((await device.call('/apibank', { key: INITIAL_KEY, amount: '10.5' })).body).toBe('-9');
    // A fractional quantity is not an amount: the reports say qty "может быть Double".
    const weighed = await device.call(
      '/api',
      {
        key: INITIAL_KEY,
        sale: '300',
        cash: '300',
        itemdata: JSON.stringify([{ name: 'Сыр', price: '200', qty: '1.5', sum: '300' }]),
      },
      'POST',
    );
    expect(weighed.status).toBe(200);
    expect(await device.journal()).toHaveLength(1);
  });

  it('keeps tiyn exactly when the device accepts decimals: sale 2920.5 paid 3000.25', async () => {
    await device.control('POST', '/_sim/device', { acceptDecimals: true });
    const answer = await device.call('/api', { key: INITIAL_KEY, sale: '2920.5', cash: '3000.25' }, 'POST');
    expect(answer.status).toBe(200);
    const [entry] = await device.journal();
    expect(entry).toMatchObject({ total: 292_050, change: 7_975, payments: { cash: 300_025 } });
  });

  it('accepts the maximum of 20 million and refuses more with -9', async () => {
    expect(
      (await device.call('/api', { key: INITIAL_KEY, sale: '20000000', cash: '20000000' }, 'POST')).status,
    ).toBe(200);
    const over = await device.call(
      '/api',
      { key: await device.key(), sale: '20000001', cash: '20000001' },
      'POST',
    );
    expect(over).toEqual({ status: 400, statusText: 'ошибка значений параметров', body: '-9' });
  });

  it('-9 for values that are not plain digits', async () => {
    const bad: Record<string, string>[] = [
      { sale: 'abc', cash: '1' },
      { sale: '12,5', cash: '13' },
      { sale: '-5', cash: '5' },
      { sale: '0', cash: '0' },
      { sale: '1.005', cash: '2' },
      { sale: '100', cash: '1e3' },
      { sale: '100', cash: '100', tax: 'x' },
      { sale: '100', cash: ' 100' },
    ];
    for (const params of bad) {
      const answer = await device.call('/api', { key: INITIAL_KEY, ...params }, 'POST');
      expect(answer.body, JSON.stringify(params)).toBe('-9');
      expect(answer.status).toBe(400);
    }
    expect(await device.call('/api', { key: 'abc', sale: '1', cash: '1' }, 'POST')).toMatchObject({
      body: '-9',
    });
    expect(await device.journal()).toHaveLength(0);
  });

  it('-7 without a registration type, with two of them, or with print/itemdata outside a POST body', async () => {
    const cases: [Record<string, string>, 'GET' | 'POST'][] = [
      [{ cash: '100' }, 'POST'],
      [{ sale: '100', buy: '100', cash: '100' }, 'POST'],
      [{ sale: '100', cash: '100', print: 'hello' }, 'GET'],
      [{ sale: '100', cash: '100', itemdata: '[]' }, 'GET'],
    ];
    for (const [params, method] of cases) {
      const answer = await device.call('/api', { key: INITIAL_KEY, ...params }, method);
      expect(answer, JSON.stringify(params)).toEqual({
        status: 400,
        statusText: 'ошибка запроса',
        body: '-7',
      });
    }
    expect(await device.journal()).toHaveLength(0);
  });
});

describe('payment rules', () => {
  it('-10 when the payments are less than the sale', async () => {
    const answer = await device.call(
      '/api',
      { key: INITIAL_KEY, sale: '1000', cash: '500', bank: '499' },
      'POST',
    );
    expect(answer).toEqual({
      status: 400,
      statusText: 'сумма cash (bank, tara, credit) меньше sale (buy...)',
      body: '-10',
    });
    expect((await device.call('/api', { key: INITIAL_KEY, sale: '1000' }, 'POST')).body).toBe('-10');
  });

  it('sale: several payment kinds together, change only from cash', async () => {
    const mixed = await device.call(
      '/api',
      { key: INITIAL_KEY, sale: '1000', cash: '600', bank: '300', tara: '50', credit: '50' },
      'POST',
    );
    expect(mixed.status).toBe(200);
    const withChange = await device.call(
      '/api',
      { key: mixed.body, sale: '1000', cash: '600', bank: '500' },
      'POST',
    );
    expect(withChange.status).toBe(200);
    const [first, second] = await device.journal();
    expect(first).toMatchObject({
      payments: { cash: 60_000, bank: 30_000, tara: 5_000, credit: 5_000 },
      change: 0,
    });
    expect(second).toMatchObject({ change: 10_000 });
    expect((await device.control<{ cashWeHave: number }>('GET', '/_sim/state')).cashWeHave).toBe(
      60_000 + 50_000,
    );
  });

  it('-12 when a tax added on top makes the total larger than the payment', async () => {
    // Tax 3 of the default table is 5 % on top: sale 1000 → total 1050.
    const short = await device.call(
      '/api',
      { key: INITIAL_KEY, sale: '1000', cash: '1000', tax: '3' },
      'POST',
    );
    expect(short).toEqual({
      status: 400,
      statusText: 'значение cash меньше чем расчетная итоговая сумма',
      body: '-12',
    });
    const paid = await device.call(
      '/api',
      { key: INITIAL_KEY, sale: '1000', cash: '1050', tax: '3' },
      'POST',
    );
    expect(paid.status).toBe(200);
    const [entry] = await device.journal();
    expect(entry).toMatchObject({ amount: 100_000, total: 105_000, taxAmount: 5_000, change: 0 });
  });

  it('-13 when bank/tara/credit exceed the total or the cheque is already paid in cash', async () => {
    const cases: Record<string, string>[] = [
      { sale: '1000', bank: '1001' },
      { sale: '1000', credit: '600', tara: '500' },
      { sale: '1000', cash: '1000', bank: '100' },
    ];
    for (const params of cases) {
      const answer = await device.call('/api', { key: INITIAL_KEY, ...params }, 'POST');
      expect(answer, JSON.stringify(params)).toEqual({
        status: 400,
        statusText: 'банк или тара или кредит больше чем итоговая сумма (или чек уже оплачен наличностью)',
        body: '-13',
      });
    }
  });

  it('returns must be paid in cash equal to the total; a purchase takes one payment kind', async () => {
    await deposit('5000');
    const key = await device.key();
    expect((await device.call('/api', { key, saleReturn: '100', cash: '50', bank: '50' }, 'POST')).body).toBe(
      '-13',
    );
    expect((await device.call('/api', { key, buyReturn: '100', bank: '100' }, 'POST')).body).toBe('-13');
    expect((await device.call('/api', { key, saleReturn: '100', cash: '150' }, 'POST')).body).toBe('-7');
    expect((await device.call('/api', { key, saleReturn: '100', cash: '99' }, 'POST')).body).toBe('-10');
    expect((await device.call('/api', { key, buy: '100', cash: '50', bank: '50' }, 'POST')).body).toBe('-13');
    expect((await device.call('/api', { key, buy: '100', bank: '100' }, 'POST')).status).toBe(200);
    expect((await device.journal()).map((entry) => entry.kind)).toEqual(['deposit', 'buy']);
  });

  it('-15 when the drawer cannot pay a sale return or a cash purchase', async () => {
    for (const kind of ['saleReturn', 'buy']) {
      const answer = await device.call('/api', { key: INITIAL_KEY, [kind]: '100', cash: '100' }, 'POST');
      expect(answer).toEqual({
        status: 400,
        statusText: 'нет наличности в кассе (возврат продажи, покупка)',
        body: '-15',
      });
    }
    await device.sell('100');
    expect(
      (await device.call('/api', { key: await device.key(), saleReturn: '100', cash: '100' }, 'POST')).status,
    ).toBe(200);
  });

  it('-14 for a tax code that is not in the tax table; a valid code is used', async () => {
    expect(
      await device.call('/api', { key: INITIAL_KEY, sale: '100', cash: '100', tax: '99' }, 'POST'),
    ).toEqual({
      status: 400,
      statusText: 'ошибка налога',
      body: '-14',
    });
    expect(
      (await device.call('/api', { key: INITIAL_KEY, sale: '100', cash: '100', tax: '2' }, 'POST')).status,
    ).toBe(200);
    expect((await device.journal())[0]).toMatchObject({ taxAmount: 0 });
  });
});

describe('itemdata and print', () => {
  it('sends the itemdata positions to the OFD and lists them in the sales report', async () => {
    const itemdata = [
      { name: 'Чай', price: '200', qty: '2', sum: '400' },
      { name: 'Стейк', price: '6000', qty: '2', sum: '12000' },
      { name: ' скидка 10% ', discount: '1240' },
    ];
    const answer = await device.call(
      '/api',
      { key: INITIAL_KEY, sale: '11160', cash: '11160', itemdata: JSON.stringify(itemdata) },
      'POST',
    );
    expect(answer.status).toBe(200);
    const [entry] = await device.journal();
    expect(entry?.ofdItems).toEqual(itemdata);
    expect(entry?.itemsSummarized).toBe(false);

    const sales = await device.json<Record<string, unknown>[]>('/dump/table/shifts/1/sales', {
      key: answer.body,
    });
    expect(sales).toEqual([
      { id: 1, chequeId: 1, itemCode: '', qty: 2, price: 200, saleSum: 400, taxId: 1 },
      { id: 2, chequeId: 1, itemCode: '', qty: 2, price: 6000, saleSum: 12000, taxId: 1 },
      { id: 3, chequeId: 1, itemCode: '', qty: 1, price: -1240, saleSum: -1240, taxId: 1 },
    ]);
  });

  it('79 positions go as they are; 80 become one summary position named after the registration type', async () => {
    const positions = (count: number) =>
      JSON.stringify(
        Array.from({ length: count }, (_, i) => ({
          name: `Товар ${i + 1}`,
          price: '10',
          qty: '1',
          sum: '10',
        })),
      );
    const at79 = await device.call(
      '/api',
      { key: INITIAL_KEY, sale: '790', cash: '790', itemdata: positions(79) },
      'POST',
    );
    expect(at79.status).toBe(200);
    const at80 = await device.call(
      '/api',
      { key: at79.body, sale: '800', cash: '800', itemdata: positions(80) },
      'POST',
    );
    expect(at80.status).toBe(200);
    const [first, second] = await device.journal();
    expect(first?.ofdItems).toHaveLength(79);
    expect(first?.itemsSummarized).toBe(false);
    expect(second?.itemsSummarized).toBe(true);
    expect(second?.itemdataCount).toBe(80);
    expect(second?.ofdItems).toEqual([{ name: 'продажа.....800тг', price: '800', qty: '1', sum: '800' }]);
  });

  it('-17 for itemdata that is not the seed JSON', async () => {
    const bad = [
      'not json',
      '{"name":"Чай"}',
      '[{"price":"1","qty":"1","sum":"1"}]',
      '[{"name":"Чай","price":"abc","qty":"1","sum":"1"}]',
      '[{"name":"скидка","discount":"10","price":"10"}]',
      '[{"name":"Чай","price":"10"}]',
    ];
    for (const itemdata of bad) {
      const answer = await device.call(
        '/api',
        { key: INITIAL_KEY, sale: '10', cash: '10', itemdata },
        'POST',
      );
      expect(answer, itemdata).toEqual({
        status: 400,
        statusText: 'ошибка обработки JSON запроса в itemdata',
        body: '-17',
      });
    }
    expect(await device.journal()).toHaveLength(0);
  });

  it('prints the print text first on the receipt and keeps it in the journal', async () => {
    const print = 'Стол 5\n--line--\nСпасибо!';
    const answer = await device.call('/api', { key: INITIAL_KEY, sale: '100', cash: '100', print }, 'POST');
    expect(answer.status).toBe(200);
    expect((await device.journal())[0]?.print).toBe(print);
    const { documents } = await device.control<{ documents: { source: string; lines: string[] }[] }>(
      'GET',
      '/_sim/printer',
    );
    const receipt = documents.find((document) => document.source === 'receipt');
    expect(receipt?.lines[0]).toBe('Продажа №1');
    expect(receipt?.lines.slice(3, 6)).toEqual(['Стол 5', '-'.repeat(24), 'Спасибо!']);
  });
});
