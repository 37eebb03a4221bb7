import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INITIAL_KEY, startTestDevice, type TestDevice } from './helpers';

let device: TestDevice;
beforeEach(async () => {
  device = await startTestDevice();
});
afterEach(async () => {
  await device.stop();
});

const DAY_MS = 24 * 3_600_000;

describe('/apicheck', () => {
  it('answers 0 with the last closed check number as the status description (0 = new iKKM)', async () => {
    expect(await device.call('/apicheck', { key: INITIAL_KEY })).toEqual({
      status: 200,
      statusText: '0',
      body: '0',
    });
    const sale = await device.sell('100');
    expect(await device.call('/apicheck', { key: sale.body }, 'POST')).toEqual({
      status: 200,
      statusText: '1',
      body: '0',
    });
  });

  it('-1 for the used key, an unknown key or no key: apicheck never replays', async () => {
    await device.sell('100');
    for (const params of [{ key: INITIAL_KEY }, { key: '12121212' }, {}] as Record<string, string>[]) {
      expect(await device.call('/apicheck', params)).toEqual({
        status: 400,
        statusText: 'неверный web-api ключ',
        body: '-1',
      });
    }
  });

  it('getInfo returns the seed fields, as strings except applicationVersion', async () => {
    await device.sell('1108');
    const info = await device.json<Record<string, unknown>>('/apicheck/getInfo', { key: await device.key() });
    expect(Object.keys(info)).toEqual([
      'applicationVersion',
      'batteryCapacityPerc',
      'cashWeHave',
      'cashierID',
      'cashierName',
      'currentShiftID',
      'currentShiftStatus',
      'databaseSizeKb',
      'defaultApiTaxID',
      'factorySerialNumber',
      'lastClosedChequeId',
      'messagesQueueSize',
      'printingMode',
      'roundingRule',
      'totalFlashUsedMb',
      'totalRamUsedMb',
    ]);
    expect(info).toMatchObject({
      applicationVersion: 101021,
      batteryCapacityPerc: '80',
      cashWeHave: '1108.00',
      cashierID: '1',
      cashierName: 'Администратор',
      currentShiftID: '1',
      currentShiftStatus: 'opened',
      defaultApiTaxID: '1',
      factorySerialNumber: '011700029000',
      lastClosedChequeId: '1',
      messagesQueueSize: '0',
      printingMode: 'internal',
      roundingRule: 'no',
    });
    for (const [name, value] of Object.entries(info))
      if (name !== 'applicationVersion') expect(typeof value, name).toBe('string');
  });

  it('getInfo/?show=minimum returns the short form (seed spelling with the trailing slash)', async () => {
    const answer = await device.call('/apicheck/getInfo/', { show: 'minimum', key: INITIAL_KEY });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({
      cashierID: '1',
      cashierName: 'Администратор',
      currentShiftID: '0',
      currentShiftStatus: 'closed',
      defaultApiTaxID: '1',
      lastClosedChequeId: '0',
    });
    expect((await device.call('/apicheck/getInfo', { key: '1' })).body).toBe('-1');
  });

  it('printLastDocument: -7 on a new iKKM, then reprints the last document without touching the key', async () => {
    expect(await device.call('/apicheck/printLastDocument', { key: INITIAL_KEY })).toEqual({
      status: 400,
      statusText: 'ошибка запроса',
      body: '-7',
    });
    const sale = await device.sell('250');
    expect(await device.call('/apicheck/printLastDocument', { key: sale.body })).toEqual({
      status: 200,
      statusText: '1',
      body: '0',
    });
    expect(await device.key()).toBe(sale.body);
    const { documents } = await device.control<{ documents: { source: string; lines: string[] }[] }>(
      'GET',
      '/_sim/printer',
    );
    expect(documents.map((document) => document.source)).toEqual(['receipt', 'reprint']);
    expect(documents[1]?.lines.slice(0, 2)).toEqual(['КОПИЯ', 'Продажа №1']);
  });
});

describe('/apizreport and /apixreport', () => {
  it('Z closes the open shift without changing the key; the next registration opens the next shift', async () => {
    expect(await device.call('/apizreport', { key: INITIAL_KEY })).toMatchObject({ status: 400, body: '-7' });
    const sale = await device.sell('100');
    const z = await device.call('/apizreport', { key: sale.body });
    // Seed line 355: "Получение ответов не предусмотрено" — no body.
    expect(z).toEqual({ status: 200, statusText: 'OK', body: '' });
    expect(await device.key()).toBe(sale.body);
    const info = await device.json<Record<string, string>>('/apicheck/getInfo', {
      key: sale.body,
      show: 'minimum',
    });
    expect(info).toMatchObject({ currentShiftID: '1', currentShiftStatus: 'closed' });

    const next = await device.sell('100');
    expect(next.statusText).toBe('2');
    const after = await device.json<Record<string, string>>('/apicheck/getInfo', {
      key: next.body,
      show: 'minimum',
    });
    expect(after).toMatchObject({ currentShiftID: '2', currentShiftStatus: 'opened' });
    expect((await device.journal()).map((entry) => [entry.kind, entry.shiftNumber])).toEqual([
      ['sale', 1],
      ['zreport', 1],
      ['sale', 2],
    ]);
    const zEntry = (await device.journal())[1];
    expect(zEntry?.key).toBe(sale.body);
    expect(zEntry?.newKey).toBe(sale.body);
  });

  it('X prints the current figures, keeps the key and the shift', async () => {
    const sale = await device.sell('100');
    expect(await device.call('/apixreport', { key: sale.body })).toEqual({
      status: 200,
      statusText: 'OK',
      body: '',
    });
    expect(await device.key()).toBe(sale.body);
    expect((await device.control<{ shiftOpen: boolean }>('GET', '/_sim/state')).shiftOpen).toBe(true);
    expect((await device.journal()).map((entry) => entry.kind)).toEqual(['sale', 'xreport']);
    expect((await device.call('/apixreport', { key: INITIAL_KEY })).body).toBe('-1');
  });
});

describe('/apideposit and /apiwithdraw', () => {
  it('rotate the key like a registration and answer the document number', async () => {
    const deposit = await device.call('/apideposit', { key: INITIAL_KEY, cash: '5000' });
    expect(deposit.status).toBe(200);
    expect(deposit.statusText).toBe('1');
    expect(deposit.body).toMatch(/^\d{8}$/);
    const withdraw = await device.call('/apiwithdraw/', { key: deposit.body, cash: '1500' }, 'POST');
    expect(withdraw.status).toBe(200);
    expect(withdraw.statusText).toBe('2');
    // Only the last used key is replayed; an older one is just wrong.
    expect((await device.call('/apiwithdraw', { key: deposit.body, cash: '1500' })).status).toBe(203);
    expect((await device.call('/apideposit', { key: INITIAL_KEY, cash: '5000' })).body).toBe('-1');
    const journal = await device.journal();
    expect(journal.map((entry) => [entry.kind, entry.total, entry.key, entry.newKey])).toEqual([
      ['deposit', 500_000, INITIAL_KEY, deposit.body],
      ['withdraw', 150_000, deposit.body, withdraw.body],
    ]);
    expect((await device.control<{ cashWeHave: number }>('GET', '/_sim/state')).cashWeHave).toBe(350_000);
  });

  it('accept the seed example path /apideposit/key=…&cash=… (no "?")', async () => {
    const answer = await device.call(`/apideposit/key=${INITIAL_KEY}&cash=700`, {});
    expect(answer.status).toBe(200);
    expect((await device.journal())[0]).toMatchObject({ kind: 'deposit', total: 70_000 });
  });

  it('cash must be a positive whole number (-9), present (-7), and available to withdraw (-15)', async () => {
    expect((await device.call('/apideposit', { key: INITIAL_KEY, cash: '10.50' })).body).toBe('-9');
    expect((await device.call('/apideposit', { key: INITIAL_KEY, cash: '0' })).body).toBe('-9');
    expect((await device.call('/apideposit', { key: INITIAL_KEY, cash: '-1' })).body).toBe('-9');
    expect((await device.call('/apideposit', { key: INITIAL_KEY })).body).toBe('-7');
    expect(await device.call('/apiwithdraw', { key: INITIAL_KEY, cash: '1' })).toEqual({
      status: 400,
      statusText: 'нет наличности в кассе (возврат продажи, покупка)',
      body: '-15',
    });
    expect(await device.journal()).toHaveLength(0);
  });
});

describe('/apiprint', () => {
  it('prints a POSTed text; --line-- draws a line, --cut--/--open-cash-- need the external printer', async () => {
    const print = 'Заказ 15\n--line--\n--cut--\n--open-cash--';
    // The seed never states what /apiprint answers: no body.
    expect(await device.call('/apiprint', { key: INITIAL_KEY, print }, 'POST')).toEqual({
      status: 200,
      statusText: 'OK',
      body: '',
    });
    await device.control('POST', '/_sim/device', { printingMode: 'external' });
    expect((await device.call('/apiprint', { key: INITIAL_KEY, print }, 'POST')).status).toBe(200);
    const { documents } = await device.control<{
      documents: { lines: string[]; cuts: number; cashDrawerOpened: boolean }[];
    }>('GET', '/_sim/printer');
    expect(documents).toMatchObject([
      { lines: ['Заказ 15', '-'.repeat(24)], cuts: 0, cashDrawerOpened: false },
      { lines: ['Заказ 15', '-'.repeat(42)], cuts: 1, cashDrawerOpened: true },
    ]);
    expect(await device.key()).toBe(INITIAL_KEY);
    expect(await device.journal()).toHaveLength(0);
  });

  it('-7 for GET (POST only) or without print; -1 for a wrong key', async () => {
    expect((await device.call('/apiprint', { key: INITIAL_KEY, print: 'x' }, 'GET')).body).toBe('-7');
    expect((await device.call('/apiprint', { key: INITIAL_KEY }, 'POST')).body).toBe('-7');
    expect((await device.call('/apiprint', { key: '5', print: 'x' }, 'POST')).body).toBe('-1');
  });
});

describe('/apibank', () => {
  it('answers 0 when the bank application starts (seed URL /apibank/?key=&amount=)', async () => {
    expect(await device.call('/apibank/', { key: INITIAL_KEY, amount: '1500' })).toEqual({
      status: 200,
      statusText: '0',
      body: '0',
    });
    const state = await device.control<{ bankLaunches: { amount: number }[]; key: string }>(
      'GET',
      '/_sim/state',
    );
    expect(state.bankLaunches).toMatchObject([{ amount: 150_000 }]);
    expect(state.key).toBe(INITIAL_KEY);
    expect((await device.call('/apibank', { key: INITIAL_KEY })).body).toBe('-7');
    expect((await device.call('/apibank', { key: INITIAL_KEY, amount: 'ten' })).body).toBe('-9');
  });

  it('keeps the device busy (-2) while the bank operation runs', async () => {
    await device.control('POST', '/_sim/device', { bankBusyMs: 400 });
    expect((await device.call('/apibank', { key: INITIAL_KEY, amount: '10' })).body).toBe('0');
    expect(await device.call('/api', { key: INITIAL_KEY, sale: '10', cash: '10' }, 'POST')).toEqual({
      status: 400,
      statusText: 'происходит регистрация или банковская операция',
      body: '-2',
    });
    expect((await device.call('/apicheck', { key: INITIAL_KEY })).body).toBe('-2');
    expect((await device.call('/apicheck/getInfo', { key: INITIAL_KEY })).body).toBe('-2');
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect((await device.call('/api', { key: INITIAL_KEY, sale: '10', cash: '10' }, 'POST')).status).toBe(
      200,
    );
  });
});

describe('/dump/table reference tables', () => {
  it('items, catalog, taxes and cashiers in the seed shapes', async () => {
    const items = await device.json<Record<string, unknown>[]>('/dump/table/items', { key: INITIAL_KEY });
    expect(items[0]).toEqual({
      uid: 11,
      code1: 888,
      code2: '008123563127',
      name: 'Кофе',
      price1: 77,
      itemtax1: 1,
      itemtype: 0,
      measure: 0,
      catalogid: 16,
    });
    expect(await device.json('/dump/table/catalog', { key: INITIAL_KEY })).toEqual({
      '1': 'Кухня',
      '2': 'Бар',
      '16': 'Напитки',
    });
    expect(await device.json('/dump/table/taxes', { key: INITIAL_KEY })).toEqual({
      '1': 'НДС 12%',
      '2': 'Без НДС',
      '3': 'Налог с продаж 5% сверху',
    });
    expect(await device.json('/dump/table/cashiers', { key: INITIAL_KEY })).toEqual({
      '1': 'Администратор',
      '100': 'Алия Кассир',
      '201': 'Наташа Старший Кассир',
    });
  });

  it('every table needs the current key (-1)', async () => {
    for (const table of ['items', 'catalog', 'taxes', 'cashiers', 'shifts']) {
      expect(await device.call(`/dump/table/${table}`, { key: '777' }), table).toEqual({
        status: 400,
        statusText: 'неверный web-api ключ',
        body: '-1',
      });
    }
  });
});

describe('/dump/table/shifts reports', () => {
  it('shifts: one row per shift with the progressive totals at its opening', async () => {
    await device.sell('5210');
    await device.call('/apizreport', { key: await device.key() });
    await device.sell('100');
    const shifts = await device.json<Record<string, unknown>[]>('/dump/table/shifts', {
      key: await device.key(),
    });
    expect(shifts).toHaveLength(2);
    expect(shifts[0]).toMatchObject({
      id: 1,
      opened: 0,
      cashierId: 1,
      sale: 0,
      buy: 0,
      saleReturn: 0,
      buyReturn: 0,
    });
    expect(shifts[0]?.['openDate']).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(shifts[0]?.['closeDate']).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(shifts[1]).toMatchObject({ id: 2, opened: 1, sale: 5210 });
    expect(shifts[1]).not.toHaveProperty('closeDate');
  });

  it('cheques and sales of a shift', async () => {
    await device.call('/apideposit', { key: INITIAL_KEY, cash: '1000' });
    const itemdata = JSON.stringify([{ name: 'Пиво', price: '200', qty: '1.5', sum: '300' }]);
    await device.call('/api', { key: await device.key(), buy: '300', cash: '300', itemdata }, 'POST');
    const key = await device.key();
    const cheques = await device.json<Record<string, unknown>[]>('/dump/table/shifts/1/cheques', { key });
    expect(cheques).toEqual([
      {
        chequeId: 2,
        chequeDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
        chequeType: '1',
        chequeSales: [{ id: 1, itemCode: '', qty: 1.5, price: 200, saleSum: 300, taxId: 1 }],
      },
    ]);
    expect(await device.json('/dump/table/shifts/1/sales', { key })).toEqual([
      { id: 1, chequeId: 2, itemCode: '', qty: 1.5, price: 200, saleSum: 300, taxId: 1 },
    ]);
  });

  it('report: the z/x report of a shift with two-decimal money, as in the seed', async () => {
    await device.control('POST', '/_sim/device', { acceptDecimals: true });
    await device.call('/apideposit', { key: INITIAL_KEY, cash: '1000' });
    await device.sell('1000');
    await device.call('/apiwithdraw', { key: await device.key(), cash: '100' });
    await device.call('/api', { key: await device.key(), saleReturn: '10.5', cash: '10.5' }, 'POST');
    const answer = await device.call('/dump/table/shifts/1/report', { key: await device.key() });
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('"cashOutTotal":100.00');
    expect(answer.body).toContain('"saleReturnDetails":{"sum":10.50,"cheques":1}');
    const report = JSON.parse(answer.body) as Record<string, unknown>;
    expect(report).toMatchObject({
      shiftState: 'opened',
      fiscalDataOnShiftOpen: { sale: 0, buy: 0, saleReturn: 0, buyReturn: 0 },
      totalSaleCheques: 1,
      saleDetails: { sum: 1000, cheques: 1 },
      totalBuyCheques: 0,
      buyDetails: { sum: 0, cheques: 0 },
      totalSaleReturnCheques: 1,
      saleReturnDetails: { sum: 10.5, cheques: 1 },
      totalBuyReturnCheques: 0,
      buyRetDetails: { sum: 0, cheques: 0 },
      cashOutDocCount: 1,
      cashOutTotal: 100,
      cashInDocCount: 1,
      cashInTotal: 1000,
      cashWeHave: 1889.5,
      revenue: 989.5,
      fiscalData: { sales: 1000, buy: 0, saleReturn: 10.5, buyReturn: 0 },
    });
    expect(report['dateOpen']).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    expect(report).not.toHaveProperty('dateClose');
  });

  it('a shift archived (30 days after closing) leaves the shift list; its report keeps only fiscalData and isArhived', async () => {
    await device.sell('100');
    await device.call('/apizreport', { key: await device.key() });
    await device.control('POST', '/_sim/clock', { advanceMs: 31 * DAY_MS });
    const key = await device.key();
    expect(await device.json('/dump/table/shifts', { key })).toEqual([]);
    expect(await device.json('/dump/table/shifts/1/report', { key })).toEqual({
      isArhived: true,
      fiscalData: { sales: 100, buy: 0, saleReturn: 0, buyReturn: 0 },
    });
    expect(await device.json('/dump/table/shifts/1/cheques', { key })).toEqual([]);
  });

  it('-7 for an unknown shift, -9 for a non-numeric one, -16 for a plain cashier', async () => {
    expect((await device.call('/dump/table/shifts/5/report', { key: INITIAL_KEY })).body).toBe('-7');
    expect((await device.call('/dump/table/shifts/abc/cheques', { key: INITIAL_KEY })).body).toBe('-9');
    await device.control('POST', '/_sim/device', { cashierId: 100 });
    for (const path of ['/dump/table/shifts', '/dump/table/shifts/1/report', '/dump/table/shifts/1/sales']) {
      expect(await device.call(path, { key: INITIAL_KEY }), path).toEqual({
        status: 400,
        statusText: 'операцию может проводить только старший кассир',
        body: '-16',
      });
    }
    expect((await device.call('/dump/table/items', { key: INITIAL_KEY })).status).toBe(200);
    await device.control('POST', '/_sim/device', { cashierId: 201 });
    expect((await device.call('/dump/table/shifts', { key: INITIAL_KEY })).status).toBe(200);
  });
});

describe('/dump/transaction/<key>', () => {
  it('tells the state of the document made with a key (seed example: used key in the path, current key as ?key=)', async () => {
    const sale = await device.sell('100');
    const transaction = await device.json<Record<string, unknown>>(`/dump/transaction/${INITIAL_KEY}`, {
      key: sale.body,
    });
    expect(transaction).toEqual({
      docid: '1',
      createDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
      submitDate: transaction['createDate'],
      status: 1,
      onlineCode: expect.stringMatching(/^\d{9}$/),
    });
  });

  it('-7 for a key no document was made with, -1 without the current key, -9 for a non-numeric key', async () => {
    expect((await device.call(`/dump/transaction/${INITIAL_KEY}`, { key: INITIAL_KEY })).body).toBe('-7');
    const sale = await device.sell('100');
    expect((await device.call(`/dump/transaction/${INITIAL_KEY}`, { key: INITIAL_KEY })).body).toBe('-1');
    expect((await device.call('/dump/transaction/abc', { key: sale.body })).body).toBe('-9');
  });
});

describe('-8 method error', () => {
  it('answers -8 for paths the seed does not define and for methods other than GET/POST', async () => {
    for (const path of [
      '/',
      '/apifoo',
      '/api/sale',
      '/dump/table/goods',
      '/dump/table/shifts/1/zreport',
      '/APICHECK',
      '/_simulator',
    ]) {
      expect(await device.call(path, { key: INITIAL_KEY }), path).toEqual({
        status: 400,
        statusText: 'ошибка метода',
        body: '-8',
      });
    }
    const put = await fetch(`${device.url}/api?key=${INITIAL_KEY}&sale=1&cash=1`, { method: 'PUT' });
    expect([put.status, await put.text()]).toEqual([400, '-8']);
    expect(await device.journal()).toHaveLength(0);
  });
});
