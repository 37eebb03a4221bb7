import { PNG } from 'pngjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Json, type SimHandle, seedTradeOperation, startSim } from './helpers';

/**
 * Every method of seed 003, called with the seed's own example request (verbatim), answered with
 * an answer of the seed's shape. Where the example refers to objects a fresh register does not
 * have (operator 9, register 6922, transaction 42), the test creates them first.
 */

const sortedKeys = (value: Json) => Object.keys(value).sort();

let sim: SimHandle;
beforeEach(async () => {
  sim = await startSim();
});
afterEach(async () => {
  await sim.close();
});

async function createOperatorsUpTo(id: number): Promise<void> {
  for (;;) {
    const list = await sim.call('GetOperatorList');
    const maxId = Math.max(...list.response_data.map((o: Json) => o.ID));
    if (maxId >= id) return;
    const pin = String(1000 + maxId + 1);
    const saved = await sim.call('SaveOperator', { name: `Кассир${pin}`, access_pin: pin, role: 3 });
    expect(saved.response_code).toBe(0);
  }
}

describe('seed 003 examples', () => {
  it('Ping: GET without body or auth', async () => {
    const answer = await sim.call('Ping', undefined, { http: 'GET', auth: null });
    expect(answer).toEqual({ response_code: 0, response_data: 'ok' });
  });

  it('ActivateLicense', async () => {
    const answer = await sim.call('ActivateLicense', {
      licenseKey: 'A7D3-5CFA-A13F-16C4',
      email: 'user@domain.com',
      phone: 'phone_num',
      owner: 'owner_name',
      orgId: 'org_id',
    });
    expect(answer).toEqual({ response_code: 0, response_data: 'ok' });
  });

  it('GetOFDList', async () => {
    const answer = await sim.call('GetOFDList');
    expect(answer).toEqual({
      response_code: 0,
      response_data: [
        { uid: '76A41602F148468EA85FA0ECBA8B4BBB', name: 'Казахтелеком' },
        { uid: '4C49A0CB1DD4413387F6E6199CBB1B2A', name: 'Казахтелеком - test' },
      ],
    });
  });

  it('GetKKMList {ofd_id: 6923} answers the KKMObject of the example', async () => {
    const answer = await sim.call('GetKKMList', { ofd_id: 6923 });
    expect(answer.response_code).toBe(0);
    expect(answer.response_data).toHaveLength(1);
    const kkm = answer.response_data[0];
    expect(sortedKeys(kkm)).toEqual(
      [
        'ofd_id',
        'ofd_uid',
        'local_name',
        'use_software_vpn',
        'printer',
        'auto_withdraw_money',
        'vat_certificate',
        'custom_data',
        'bindings',
        'ID',
        'is_offline',
        'fr_shift_number',
        'shift_state',
        'is_blocked',
        'shift_close_date',
        'shift_document_number',
        'owner_id',
        'offline_start_date',
        'is_invalid_token',
        'start_shift_non_nullable_sums',
        'non_nullable_sums',
        'ads_info',
        'vendor_id',
        'offline_end_date',
        'cash_sum',
        'shift_open_date',
        'blocked_info',
        'revenue',
        'offline_ticket_number',
        'reg_info',
        'local_state',
      ].sort(),
    );
    expect(kkm).toMatchObject({
      ofd_id: 6923,
      ofd_uid: '4C49A0CB1DD4413387F6E6199CBB1B2A',
      local_name: 'Test_6923',
      printer: { id: 1, name: 'RPP300', type: 3 },
      vendor_id: 'ISCR1018036404743',
      is_offline: false,
      shift_state: 0,
      // Closed shift 117, shown as the next shift's number (closedShift "next", README).
      fr_shift_number: 118,
      shift_close_date: '1899-12-30T00:00:00.000',
      non_nullable_sums: [1753, 123, 727986.98, 31276],
      reg_info: {
        org: { inn: '910812450255', title: 'ЧН ГЕОРГИАДИ ЛИЛИЯ ГЕННАДЬЕВНА' },
        kkm: { fns_kkm_id: '010100134464', serial_number: 'ISCR1018036404743', kkm_id: '6923' },
      },
      local_state: 0,
    });
  });

  it('GetVendorId', async () => {
    const answer = await sim.call('GetVendorId', { ofd_uid: 'dafbd8ce28025ae70c95227db8b30b11' });
    expect(answer.response_code).toBe(0);
    expect(answer.response_data.vendor_id).toMatch(/^ISCR\d{13}$/);
    expect(answer.response_data.manufacture_date).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$/);
  });

  it('SaveKKM (bindings 10, 11 once those cashiers exist)', async () => {
    await createOperatorsUpTo(11);
    const answer = await sim.call('SaveKKM', {
      local_name: 'Test_6923',
      ofd_id: 6923,
      ofd_token: 59359406,
      ofd_uid: '4C49A0CB1DD4413387F6E6199CBB1B2A',
      use_software_vpn: false,
      auto_withdraw_money: false,
      custom_data: null,
      bindings: [10, 11],
      vat_certificate: { series: '', number: '', is_printable: false },
      printer: { id: 1, name: 'RPP300', type: 3 },
    });
    expect(answer.response_code).toBe(0);
    expect(answer.response_data).toMatchObject({
      ofd_id: 6923,
      local_name: 'Test_6923',
      bindings: [10, 11],
      ID: 1,
      custom_data: null,
    });
  });

  it('DeleteKKM', async () => {
    expect(await sim.call('DeleteKKM', { ofd_id: 6923 })).toEqual({ response_code: 0, response_data: 'ok' });
    expect((await sim.call('GetKKMList')).response_data).toEqual([]);
  });

  it('GetOperatorList', async () => {
    const answer = await sim.call('GetOperatorList');
    expect(answer).toEqual({
      response_code: 0,
      response_data: [
        {
          name: 'Administrator',
          role: 1,
          email: '',
          bindings: [],
          owner_id: 0,
          access_pin: '0000',
          custom_data: null,
          ID: 1,
        },
      ],
    });
  });

  it('SaveOperator creates the example cashier bound to register 1', async () => {
    const answer = await sim.call('SaveOperator', {
      id: 0,
      name: 'Кассир5555',
      access_pin: '5555',
      role: 2,
      owner_id: 1,
      email: '',
      bindings: [1],
      custom_data: { field1: 'value1', field2: 2, field3: true },
    });
    expect(answer.response_code).toBe(0);
    expect(answer.response_data).toMatchObject({
      id: 2,
      name: 'Кассир5555',
      access_pin: '5555',
      role: 2,
      owner_id: 1,
      email: '',
      bindings: [1],
      custom_data: { field1: 'value1', field2: 2, field3: true },
    });
    const kkm = (await sim.call('GetKKMList', { ofd_id: 6923 })).response_data[0];
    expect(kkm.bindings).toEqual([2]);
  });

  it('DeleteOperator {id: 9}', async () => {
    await createOperatorsUpTo(9);
    expect(await sim.call('DeleteOperator', { id: 9 })).toEqual({ response_code: 0, response_data: 'ok' });
    const ids = (await sim.call('GetOperatorList')).response_data.map((o: Json) => o.ID);
    expect(ids).not.toContain(9);
  });

  it('TradeOperation: the 1750 receipt', async () => {
    const answer = await sim.call('TradeOperation', seedTradeOperation());
    expect(answer.response_code).toBe(0);
    const data = answer.response_data;
    expect(sortedKeys(data)).toEqual(
      [
        'fiscal_id',
        'qr_code',
        'ofd_name',
        'ofd_url',
        'command_type',
        'is_offline',
        'is_invalid_token',
        'kkm_local_name',
        'operator_name',
        'fr_shift_number',
        'shift_document_number',
        'shift_state',
        'reg_info',
        'vat_certificate',
        'body',
        'ads_info',
      ].sort(),
    );
    expect(data).toMatchObject({
      command_type: 1,
      is_offline: false,
      operator_name: 'Administrator',
      fr_shift_number: 118,
      shift_document_number: 1,
      shift_state: 1,
      ofd_name: 'Казахтелеком - test',
      ofd_url: 'http://consumer.test-oofd.kz',
      ads_info: [],
    });
    expect(data.qr_code).toMatch(
      /^http:\/\/consumer\.test-oofd\.kz\/\?&i=\d+&f=010100134464&s=1750,00&t=\d{8}T\d{6}$/,
    );
    expect(data.body).toMatchObject({
      operation: 2,
      operator: { code: 1, name: 'Administrator' },
      domain: { type: 0 },
      amounts: {
        total: { bills: 1750, coins: 0 },
        taken: { bills: 1000, coins: 0 },
        change: { bills: 250, coins: 0 },
        markup: { name: '', sum: { bills: 0, coins: 0 }, taxesList: [], auxiliaryList: [] },
        discount: {
          name: 'Сумма общей скидки',
          sum: { bills: 200, coins: 0 },
          taxesList: [],
          auxiliaryList: [],
        },
      },
      extension_options: {
        customer_email: '',
        customer_phone: '',
        customer_iin_or_bin: '123456789012',
        auxiliaryList: [],
      },
      printed_ticket: data.qr_code,
      fr_shift_number: 118,
      shift_document_number: 1,
      printed_document_number: 0,
      itemsList: [
        {
          type: 1,
          commodity: {
            code: 0,
            name: 'tovar1',
            section_code: 'Отдел1',
            quantity: 2000,
            price: { bills: 1000, coins: 0 },
            sum: { bills: 2000, coins: 0 },
            excise_stamp: 'excise_stamp_value',
            physical_label: 'physical_label_value',
            product_id: 'product_id_value',
            barcode: '123456789012345',
            measure_unit_code: '116',
            taxesList: [],
            auxiliaryList: [],
          },
        },
        {
          type: 5,
          discount: {
            name: 'Скидка на позицию tovar1',
            sum: { bills: 50, coins: 0 },
            taxesList: [],
            auxiliaryList: [],
          },
        },
      ],
      paymentsList: [
        { type: 0, sum: { bills: 750, coins: 0 } },
        { type: 1, sum: { bills: 1000, coins: 0 } },
      ],
      taxesList: [{ percent: 12000, sum: { bills: 187, coins: 50 }, is_in_total_sum: true }],
      ad_infosList: [],
    });
    expect(data.body.date_time).toEqual({
      date: { year: expect.any(Number), month: expect.any(Number), day: expect.any(Number) },
      time: { hour: expect.any(Number), minute: expect.any(Number), second: expect.any(Number) },
    });
  });

  it('MoneyPlacement: deposit 1000', async () => {
    const answer = await sim.call('MoneyPlacement', { kkm_ofd_id: 6923, operation: 0, sum: 1000 });
    expect(answer.response_code).toBe(0);
    expect(answer.response_data).toMatchObject({
      command_type: 6,
      is_offline: false,
      is_invalid_token: false,
      kkm_local_name: 'Test_6923',
      operator_name: 'Administrator',
      fr_shift_number: 118,
      shift_document_number: 1,
      shift_state: 1,
      body: {
        operation: 0,
        sum: { bills: 1000, coins: 0 },
        is_offline: false,
        fr_shift_number: 118,
        printed_document_number: 1,
        operator: { code: 1, name: 'Administrator' },
      },
      ads_info: [],
    });
    expect(answer.response_data.body.datetime.date.year).toBeGreaterThan(2000);
  });

  it('ZXReport: the X report after a deposit and the 1750 sale matches the example figures', async () => {
    await sim.call('MoneyPlacement', { kkm_ofd_id: 6923, operation: 0, sum: 1000 });
    await sim.call('TradeOperation', seedTradeOperation());
    const answer = await sim.call('ZXReport', {
      kkm_ofd_id: 6923,
      report_type: 1,
      is_printable: true,
      image_width: 576,
      image_scale: 1.3,
      image_pixel_draw_threshold: 192,
    });
    expect(answer.response_code).toBe(0);
    const data = answer.response_data;
    expect(data).toMatchObject({
      report_type: 1,
      total_payments: [750, 1000, 0, 0, 0],
      command_type: 3,
      fr_shift_number: 118,
      shift_document_number: 3,
      shift_state: 1,
      ads_info: [],
    });
    const body = data.body;
    expect(body).toMatchObject({
      shift_number: 118,
      annulled_tickets: {
        annulled_tickets_total_count: 0,
        annulled_tickets_count: 0,
        annulled_operationsList: {},
      },
      cash_sum: { bills: 1750, coins: 0 },
      revenue: { sum: { bills: 1750, coins: 0 }, is_negative: false },
      close_shift_time: { date: { year: 0, month: 0, day: 0 }, time: { hour: 0, minute: 0, second: 0 } },
      checksum: '',
      sectionsList: [
        {
          section_code: 'Отдел1',
          operationsList: [{ operation: 2, count: 1, sum: { bills: 2000, coins: 0 } }],
        },
      ],
      operationsList: [{ operation: 2, count: 1, sum: { bills: 2000, coins: 0 } }],
      discountsList: [{ operation: 2, count: 2, sum: { bills: 250, coins: 0 } }],
      markupsList: {},
      total_resultList: [{ operation: 2, count: 1, sum: { bills: 1750, coins: 0 } }],
      taxesList: [
        {
          percent: 12000,
          operationsList: [
            {
              operation: 2,
              turnover: { bills: 1750, coins: 0 },
              turnover_without_tax: { bills: 1562, coins: 50 },
              sum: { bills: 187, coins: 50 },
            },
          ],
        },
      ],
      start_shift_non_nullable_sumsList: [
        { operation: 2, sum: { bills: 727986, coins: 98 } },
        { operation: 0, sum: { bills: 1753, coins: 0 } },
        { operation: 3, sum: { bills: 31276, coins: 0 } },
        { operation: 1, sum: { bills: 123, coins: 0 } },
      ],
      non_nullable_sumsList: [
        { operation: 2, sum: { bills: 729736, coins: 98 } },
        { operation: 0, sum: { bills: 1753, coins: 0 } },
        { operation: 3, sum: { bills: 31276, coins: 0 } },
        { operation: 1, sum: { bills: 123, coins: 0 } },
      ],
    });
    expect(body.ticket_operationsList[0]).toEqual({
      operation: 2,
      tickets_total_count: 1,
      tickets_count: 1,
      tickets_sum: { bills: 1750, coins: 0 },
      offline_count: 0,
      discount_sum: { bills: 200, coins: 0 },
      markup_sum: { bills: 0, coins: 0 },
      change_sum: { bills: 250, coins: 0 },
      paymentsList: [
        { payment: 0, sum: { bills: 750, coins: 0 }, count: 1 },
        { payment: 1, sum: { bills: 1000, coins: 0 }, count: 1 },
      ],
    });
    expect(body.ticket_operationsList.map((t: Json) => t.operation)).toEqual([2, 0, 3, 1]);
    expect(body.ticket_operationsList[1].paymentsList).toEqual({});
    expect(body.money_placementsList).toEqual([
      {
        operation: 1,
        operations_total_count: 0,
        operations_count: 0,
        operations_sum: { bills: 0, coins: 0 },
        offline_count: 0,
      },
      {
        operation: 0,
        operations_total_count: 1,
        operations_count: 1,
        operations_sum: { bills: 1000, coins: 0 },
        offline_count: 0,
      },
    ]);
  });

  it('GetTransactionList and GetTransaction on register 6922, 24 Feb 2022', async () => {
    // The examples read register 6922 on 2022-02-24: register it, move the clock there, close a shift with auto-withdrawal.
    const saved = await sim.call('SaveKKM', { ofd_id: 6922, ofd_token: 12345678, auto_withdraw_money: true });
    expect(saved.response_code).toBe(0);
    await sim.control('POST', 'clock', { set: Date.parse('2022-02-24T12:46:52.083Z') }); // 17:46:52 in UTC+5
    await sim.call('MoneyPlacement', { kkm_ofd_id: 6922, operation: 0, sum: 10 });
    await sim.call('MoneyPlacement', { kkm_ofd_id: 6922, operation: 1, sum: 10 });
    const z = await sim.call('ZXReport', { kkm_ofd_id: 6922, report_type: 0 });
    expect(z.response_code).toBe(0);

    const list = await sim.call('GetTransactionList', {
      kkm_ofd_id: 6922,
      period_start: '2022-02-24T00:00:00.000',
      period_end: '2022-02-24T23:59:59.999',
    });
    expect(list.response_code).toBe(0);
    const entries = list.response_data;
    expect(entries).toHaveLength(4);
    for (const entry of entries) {
      expect(sortedKeys(entry)).toEqual([
        'ID',
        'body',
        'command',
        'date',
        'fr_shift_number',
        'is_offline',
        'shift_document_number',
      ]);
      expect(entry.date).toMatch(/^2022-02-24T17:46:5\d\.\d{3}$/);
    }
    // The automatic withdrawal of an empty drawer (sum 0) precedes the shift closing, as in the example.
    expect(entries[2]).toMatchObject({
      command: 6,
      fr_shift_number: 1,
      shift_document_number: 3,
      is_offline: false,
      body: { operation: 1, sum: 0 },
    });
    expect(entries[3]).toMatchObject({
      command: 2,
      fr_shift_number: 1,
      shift_document_number: 4,
      body: { type: 0, revenue: 0 },
    });
    expect(entries[3].body.non_nullable_sums).toContainEqual({ operation: 2, sum: 0 });

    // GetTransaction {6922, 42}: make transaction 42 a deposit of 1234.56.
    let lastId = entries[3].ID as number;
    while (lastId < 41) {
      await sim.call('MoneyPlacement', { kkm_ofd_id: 6922, operation: 0, sum: 1 });
      lastId += 1;
    }
    await sim.call('MoneyPlacement', { kkm_ofd_id: 6922, operation: 0, sum: 1234.56 });
    const transaction = await sim.call('GetTransaction', { kkm_ofd_id: 6922, transaction_id: 42 });
    expect(transaction.response_code).toBe(0);
    expect(transaction.response_data).toMatchObject({
      ID: 42,
      command: 6,
      fr_shift_number: 2,
      is_offline: false,
      body: {
        operation: 0,
        sum: { bills: 1234, coins: 56 },
        is_offline: false,
        fr_shift_number: 2,
        operator: { code: 1, name: 'Administrator' },
      },
    });
    expect(transaction.response_data.body.datetime).toMatchObject({
      date: { year: 2022, month: 2, day: 24 },
    });
    expect(transaction.response_data.body.printed_document_number).toBe(
      transaction.response_data.shift_document_number,
    );
  });

  it('GetPrinterList', async () => {
    const answer = await sim.call('GetPrinterList', undefined, { http: 'GET' });
    expect(answer.response_code).toBe(0);
    expect(answer.response_data).toContainEqual({ ID: 9, name: 'RPP-02', type: 3 });
    expect(answer.response_data).toHaveLength(6);
  });

  it('GetDocumentImage: shift 118 document 1 as a 384 px PNG', async () => {
    await sim.call('TradeOperation', seedTradeOperation());
    const response = await sim.raw('GetDocumentImage', {
      method: 'POST',
      headers: { authorization: '0000' },
      body: JSON.stringify({
        fr_shift_number: 118,
        shift_document_number: 1,
        is_original: true,
        image_width: 384,
        image_scale: 1.0,
        image_pixel_draw_threshold: 128,
        kkm_ofd_id: 6923,
      }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    const png = PNG.sync.read(Buffer.from(await response.arrayBuffer()));
    expect(png.width).toBe(384);
    expect(png.height).toBeGreaterThan(100);
  });
});
