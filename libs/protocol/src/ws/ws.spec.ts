import { describe, expect, it } from 'vitest';
import { canonicalError } from '../errors/canonical-error';
import { WS_ERROR_CODES } from '../errors/answer-codes';
import { cashCoreError } from '../errors/cash-core-codes';
import { wsAnswerSchema, WS_EVENTS } from './ws-frames';
import { parseWsRequest } from './ws-parse';
import { describeTaxTable } from './ws-convert';
import { commandOutcomeToWsAnswer, wsRequestToCommand } from './ws-convert';
import { emptyShiftCounters } from '../canonical/results';

const taxTable = [
  { rate: 20000, name: 'НДС 20%' },
  { rate: 10000, name: 'НДС 10%' },
];
const identity = {
  kind: 'cash-core' as const,
  serialNumber: '0128010101',
  inn: '2147473636',
  currency: 'RUB' as const,
};

/** The seed's own request examples, verbatim in shape. */
const seedRequests = {
  open_shift: { event: 'open_shift', data: { cashier: 'Сидр Петров' } },
  close_shift: { event: 'close_shift', data: { cashier: 'Сидр Петров' } },
  force_close_shift: { event: 'force_close_shift' },
  new_transaction: {
    event: 'new_transaction',
    data: {
      cashier: 'Сидр Петров',
      doc_type: 2,
      pyment_type: 1,
      rrn: 'LINK_917113269868',
      wares: [{ name: 'Водка Айс 0,5л 40%', barcode: '123123', tax_number: 0, price: 123.45, quantity: 2 }],
    },
  },
  cancel_payment: { event: 'cancel_payment', data: { rrn: 'LINK_917113269868', amount: 2469 } },
  cash_drawer_handler: {
    event: 'cash_drawer_handler',
    data: { cashier: 'Сидр Петров', amount: 2469, doc_type: 4 },
  },
  z_report: { event: 'z_report' },
} as const;

describe('seed 000 WebSocket frames', () => {
  it('accepts every seed example request', () => {
    for (const event of WS_EVENTS) {
      const parsed = parseWsRequest(JSON.stringify(seedRequests[event]));
      expect(parsed.ok, event).toBe(true);
    }
  });

  it('new_transaction: price is roubles, amount kopecks (2 × 123.45 = 24690, not the sample 2469)', () => {
    const parsed = parseWsRequest(JSON.stringify(seedRequests.new_transaction));
    if (!parsed.ok) throw new Error('parse failed');
    const command = wsRequestToCommand(parsed.request, { taxTable });
    if (!command.ok || command.value.type !== 'receipt') throw new Error('convert failed');
    expect(command.value.total).toBe(24690);
    expect(command.value.items[0]).toMatchObject({ price: 12345, quantity: 2000, sum: 24690 });
    expect(command.value.items[0]?.taxes[0]?.rate).toBe(20000);
    expect(command.value.payments).toEqual([{ kind: 'card', amount: 24690 }]);
    expect(command.value.rrn).toBe('LINK_917113269868');
    expect(command.value.operation).toBe('sale');
  });

  it('doc_type 3 is a sale return, pyment_type 0 is cash; doc_type 4/5 are cash in/out', () => {
    const ret = parseWsRequest(
      JSON.stringify({
        ...seedRequests.new_transaction,
        data: { ...seedRequests.new_transaction.data, doc_type: 3, pyment_type: 0 },
      }),
    );
    if (!ret.ok) throw new Error('parse failed');
    const command = wsRequestToCommand(ret.request, { taxTable });
    expect(command.ok && command.value.type === 'receipt' && command.value.operation).toBe('saleReturn');
    expect(command.ok && command.value.type === 'receipt' && command.value.payments[0]?.kind).toBe('cash');

    const out = parseWsRequest(
      JSON.stringify({ event: 'cash_drawer_handler', data: { cashier: 'A', amount: 500, doc_type: 5 } }),
    );
    if (!out.ok) throw new Error('parse failed');
    expect(wsRequestToCommand(out.request, { taxTable })).toEqual({
      ok: true,
      value: { type: 'cash.out', amount: 500, cashier: 'A' },
    });
  });

  it('answers malformed JSON, unknown events and failed schemas with error: true, keeping on<event>', () => {
    const cases: [string, string][] = [
      ['{not json', 'onerror'],
      ['[1,2]', 'onerror'],
      ['{"data":{}}', 'onerror'],
      ['{"event":"sell_everything"}', 'onsell_everything'],
      ['{"event":"cash_drawer_handler","data":{}}', 'oncash_drawer_handler'],
      [
        '{"event":"new_transaction","data":{"cashier":"A","doc_type":7,"pyment_type":0,"wares":[]}}',
        'onnew_transaction',
      ],
      [
        '{"event":"cash_drawer_handler","data":{"cashier":"A","amount":-5,"doc_type":4}}',
        'oncash_drawer_handler',
      ],
      ['{"event":"cancel_payment","data":{"rrn":"x","amount":12.5}}', 'oncancel_payment'],
    ];
    for (const [raw, event] of cases) {
      const parsed = parseWsRequest(raw);
      expect(parsed.ok, raw).toBe(false);
      if (parsed.ok) continue;
      expect(parsed.answer.event).toBe(event);
      expect(parsed.answer.data.error).toBe(true);
      expect(parsed.answer.data.error_code).toBe(WS_ERROR_CODES.INVALID_REQUEST);
      expect(parsed.answer.data.text.length).toBeGreaterThan(0);
    }
  });

  it('an unknown tax_number is a tax error, not a crash', () => {
    const parsed = parseWsRequest(
      JSON.stringify({
        ...seedRequests.new_transaction,
        data: {
          ...seedRequests.new_transaction.data,
          wares: [{ name: 'x', tax_number: 9, price: 1, quantity: 1 }],
        },
      }),
    );
    if (!parsed.ok) throw new Error('parse failed');
    const command = wsRequestToCommand(parsed.request, { taxTable });
    expect(command.ok).toBe(false);
    expect(!command.ok && command.error.code).toBe('TAX_ERROR');
  });

  it('builds answers of the seed shape for every event', () => {
    const counters = {
      ...emptyShiftCounters(),
      cashBalance: 3244050,
      sumSales: 52050,
      countSales: 4,
      sumInsert: 100000,
      markupSumSales: 0,
    };
    for (const event of WS_EVENTS) {
      const parsed = parseWsRequest(JSON.stringify(seedRequests[event]));
      if (!parsed.ok) throw new Error(event);
      const answer = commandOutcomeToWsAnswer(
        parsed.request,
        {
          ok: true,
          result: {
            type: 'receipt',
            shiftNumber: 45,
            checkNumber: 2,
            documentNumber: 274,
            total: 24690,
            counters,
          },
        },
        identity,
      );
      expect(answer.event).toBe(`on${event}`);
      const valid = wsAnswerSchema.safeParse(answer);
      expect(valid.success, `${event}: ${JSON.stringify(valid.error?.issues)}`).toBe(true);
      expect(answer.data['error']).toBe(false);
      expect(answer.data['error_code']).toBe(0);
    }
    const parsed = parseWsRequest(JSON.stringify(seedRequests.close_shift));
    if (!parsed.ok) throw new Error('parse');
    const close = commandOutcomeToWsAnswer(
      parsed.request,
      { ok: true, result: { type: 'shift.close', counters } },
      identity,
    );
    expect(close.data).toMatchObject({
      cash_balance: 32440.5,
      sum_sales: 520.5,
      sum_insert: 1000,
      marckup_sum_sales: 0,
    });
  });

  it('leaves out what the register did not give: never "" or 0 that would look real', () => {
    const parse = (event: (typeof WS_EVENTS)[number]) => {
      const parsed = parseWsRequest(JSON.stringify(seedRequests[event]));
      if (!parsed.ok) throw new Error(event);
      return parsed.request;
    };
    // An iKKM-like Z: counters without discounts, markups, annulled sum or progressive totals; no document number.
    const counters = { ...emptyShiftCounters(), cashBalance: 100_00, sumSales: 50_00, countSales: 1 };
    const close = commandOutcomeToWsAnswer(
      parse('force_close_shift'),
      { ok: true, result: { type: 'shift.forceClose', shiftNumber: 3, counters } },
      identity,
    );
    expect(wsAnswerSchema.safeParse(close).success).toBe(true);
    expect(close.data).toMatchObject({ cash_balance: 100, sum_sales: 50, count_sales: 1, shift_number: 3 });
    for (const field of [
      'discount_sum_sales',
      'marckup_sum_sales',
      'discount_sum_returns',
      'marckup_sum_returns',
      'sum_canceled',
      'progressive_total_sales',
      'progressive_total_returns',
      'doc_number',
      // force_close_shift carries no cashier and the result names none.
      'cashier',
    ])
      expect(close.data, field).not.toHaveProperty(field);
    // A result without counters or identity (the follow-up reads failed): no figures at all.
    const bare = commandOutcomeToWsAnswer(parse('z_report'), {
      ok: true,
      result: { type: 'report.z', shiftNumber: 3, documentNumber: 17 },
    });
    expect(bare.data).toEqual({
      error: false,
      error_code: 0,
      text: 'Успешно',
      shift_number: 3,
      doc_number: 17,
    });
    const sale = commandOutcomeToWsAnswer(parse('new_transaction'), {
      ok: true,
      result: { type: 'receipt', total: 24690, checkNumber: 5, documentNumber: 5 },
    });
    expect(wsAnswerSchema.safeParse(sale).success).toBe(true);
    expect(sale.data).toMatchObject({ amount: 24690, check_number: 5, doc_number: 5, discount_sum: 0 });
    for (const field of ['fn_number', 'inn', 'shift_number'])
      expect(sale.data, field).not.toHaveProperty(field);
  });

  it('failed outcomes keep the device text and get the canonical WS code', () => {
    const parsed = parseWsRequest(JSON.stringify(seedRequests.cash_drawer_handler));
    if (!parsed.ok) throw new Error('parse');
    const answer = commandOutcomeToWsAnswer(parsed.request, { ok: false, error: cashCoreError(58) });
    expect(answer).toEqual({
      event: 'oncash_drawer_handler',
      data: {
        error: true,
        error_code: WS_ERROR_CODES.INSUFFICIENT_CASH,
        text: expect.stringContaining('недостаточно наличных'),
      },
    });
    const offline = commandOutcomeToWsAnswer(parsed.request, {
      ok: false,
      error: canonicalError('AGENT_OFFLINE'),
    });
    expect(offline.data['error_code']).toBe(WS_ERROR_CODES.AGENT_OFFLINE);
  });
});

describe('parseWsRequest: hostile frames', () => {
  it('answers nesting deeper than the limit under the frame’s event, without parsing it', () => {
    const deep = `{"event":"open_shift","data":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`;
    const parsed = parseWsRequest(deep);
    expect(parsed).toMatchObject({
      ok: false,
      answer: { event: 'onopen_shift', data: { error: true, error_code: WS_ERROR_CODES.INVALID_REQUEST } },
    });
    const anonymous = parseWsRequest('['.repeat(100_000));
    expect(anonymous).toMatchObject({ ok: false, answer: { event: 'onerror' } });
  });

  it('refuses a NUL or a lone surrogate in any string or key, naming the field', () => {
    for (const [frame, event, field] of [
      [{ event: 'open_shift', data: { cashier: 'a\u0000' } }, 'onopen_shift', 'data.cashier'],
      [{ event: 'z_report', data: { ['\ud800']: 1 } }, 'onz_report', 'data['],
      [{ event: 'open_shift\u0000', data: {} }, 'onerror', 'event'],
    ] as const) {
      const parsed = parseWsRequest(JSON.stringify(frame));
      expect(parsed.ok).toBe(false);
      if (parsed.ok) continue;
      expect(parsed.answer.event).toBe(event);
      expect(parsed.answer.data).toMatchObject({ error: true, error_code: WS_ERROR_CODES.INVALID_REQUEST });
      expect(parsed.answer.data.text).toContain(field);
    }
  });
});

const newTransaction = seedRequests.new_transaction;
const wsOk = (frame: unknown) => {
  const parsed = parseWsRequest(
    typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame),
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.answer));
  return parsed;
};
const wsRefusal = (frame: unknown) => {
  const parsed = parseWsRequest(typeof frame === 'string' ? frame : JSON.stringify(frame));
  if (parsed.ok) throw new Error(`accepted: ${JSON.stringify(frame)}`);
  expect(parsed.answer.data).toMatchObject({ error: true, error_code: WS_ERROR_CODES.INVALID_REQUEST });
  return parsed.answer;
};
const withWare = (ware: Record<string, unknown>, data: Record<string, unknown> = {}) => ({
  event: 'new_transaction',
  data: { ...newTransaction.data, ...data, wares: [{ ...newTransaction.data.wares[0], ...ware }] },
});

describe('seed 000 WebSocket frames: liberal in what it accepts', () => {
  it('strips a UTF-8 BOM (one or more, whitespace around) before the JSON', () => {
    for (const raw of [
      `\ufeff${JSON.stringify(newTransaction)}`,
      `\ufeff\ufeff ${JSON.stringify(newTransaction)}`,
      Buffer.from(`\ufeff${JSON.stringify(newTransaction)}`, 'utf8'),
    ]) {
      expect(wsOk(raw).request).toEqual(wsOk(newTransaction).request);
    }
    // Too deep behind a BOM: still answered under its own event, unparsed.
    const deep = parseWsRequest(`\ufeff{"event":"z_report","data":${'['.repeat(100)}`);
    expect(deep).toMatchObject({ ok: false, answer: { event: 'onz_report' } });
  });

  it('reads tax_number, doc_type, pyment_type and amount sent as numeric strings (price/quantity as before)', () => {
    const request = wsOk(
      withWare({ tax_number: '1', price: '123.45', quantity: ' 2 ' }, { doc_type: '3', pyment_type: ' 0 ' }),
    ).request;
    const command = wsRequestToCommand(request, { taxTable });
    if (!command.ok || command.value.type !== 'receipt') throw new Error(JSON.stringify(command));
    expect(command.value.operation).toBe('saleReturn');
    expect(command.value.payments).toEqual([{ kind: 'cash', amount: 24690 }]);
    expect(command.value.items[0]).toMatchObject({ price: 12345, quantity: 2000, sum: 24690 });
    expect(command.value.items[0]?.taxes[0]?.rate).toBe(10000);

    const drawer = wsOk({
      event: 'cash_drawer_handler',
      data: { cashier: 'A', amount: '2469', doc_type: '5' },
    });
    expect(wsRequestToCommand(drawer.request, { taxTable })).toEqual({
      ok: true,
      value: { type: 'cash.out', amount: 2469, cashier: 'A' },
    });
    const cancel = wsOk({ event: 'cancel_payment', data: { rrn: 'LINK_1', amount: ' 2469 ' } });
    expect(wsRequestToCommand(cancel.request, { taxTable })).toEqual({
      ok: true,
      value: { type: 'payment.cancel', rrn: 'LINK_1', amount: 2469 },
    });
  });

  it('refuses what it cannot read exactly, naming the field, the reason and what it got', () => {
    expect(wsRefusal(withWare({ price: 'abc' })).data.text).toContain(
      'data.wares[0].price: ожидается число, получено "abc"',
    );
    expect(wsRefusal(withWare({ tax_number: '1.5' })).data.text).toContain(
      'data.wares[0].tax_number: ожидается целое число, получено "1.5"',
    );
    expect(wsRefusal(withWare({}, { doc_type: '7' })).data.text).toContain(
      'data.doc_type: допустимые значения: 2, 3, получено 7',
    );
    expect(wsRefusal(withWare({}, { pyment_type: 'card' })).data.text).toContain(
      'data.pyment_type: допустимые значения: 0, 1, получено "card"',
    );
    expect(wsRefusal({ event: 'cancel_payment', data: { rrn: 'x', amount: '12.5' } }).data.text).toContain(
      'data.amount: ожидается целое число, получено "12.5"',
    );
    expect(wsRefusal({ event: 'cash_drawer_handler', data: { amount: 1, doc_type: 4 } }).data.text).toContain(
      'data.cashier: обязательное поле не передано',
    );
    // Beyond the decimals the wire format allows: the conversion names the field.
    const tooFine = wsRequestToCommand(wsOk(withWare({ price: '1.005' })).request, { taxTable });
    expect(tooFine).toMatchObject({ ok: false, error: { code: 'INVALID_ITEMS' } });
    if (!tooFine.ok)
      expect(tooFine.error.message).toContain(
        'data.wares[0].price: ожидается число не более чем с 2 знаками',
      );
  });

  it('takes null as absent for optional fields (barcode, rrn) and identifiers sent as numbers as text', () => {
    const request = wsOk(withWare({ barcode: null, name: 4870001 }, { rrn: null })).request;
    const command = wsRequestToCommand(request, { taxTable });
    if (!command.ok || command.value.type !== 'receipt') throw new Error(JSON.stringify(command));
    expect(command.value.items[0]).not.toHaveProperty('barcode');
    expect(command.value.items[0]?.name).toBe('4870001');
    expect(command.value).not.toHaveProperty('rrn');
    const numeric = wsRequestToCommand(wsOk(withWare({ barcode: 4870001 })).request, { taxTable });
    expect(numeric.ok && numeric.value.type === 'receipt' && numeric.value.items[0]?.barcode).toBe('4870001');
  });

  it('open_shift / close_shift without data (or without a cashier) use the register’s own cashier', () => {
    for (const frame of [
      { event: 'open_shift' },
      { event: 'open_shift', data: null },
      { event: 'open_shift', data: {} },
      { event: 'open_shift', data: { cashier: null } },
      { event: 'open_shift', data: { cashier: '  ' } },
    ]) {
      expect(wsRequestToCommand(wsOk(frame).request, { taxTable }), JSON.stringify(frame)).toEqual({
        ok: true,
        value: { type: 'shift.open' },
      });
    }
    expect(wsRequestToCommand(wsOk({ event: 'close_shift' }).request, { taxTable })).toEqual({
      ok: true,
      value: { type: 'shift.close' },
    });
    expect(wsRequestToCommand(wsOk(seedRequests.close_shift).request, { taxTable })).toEqual({
      ok: true,
      value: { type: 'shift.close', cashier: 'Сидр Петров' },
    });
    // The answer leaves cashier out rather than inventing one.
    const answer = commandOutcomeToWsAnswer(wsOk({ event: 'open_shift' }).request, {
      ok: true,
      result: { type: 'shift.open' },
    });
    expect((answer.data as Record<string, unknown>)['cashier']).toBeUndefined();
  });

  it('trims the event name', () => {
    for (const event of [' open_shift ', 'z_report\n', '\tnew_transaction']) {
      const parsed = wsOk({ ...(event.includes('new') ? newTransaction : {}), event });
      expect(parsed.request.event).toBe(event.trim());
    }
    expect(wsRefusal({ event: ' open shift ' }).event).toBe('onopen shift');
  });

  it('ignores unknown fields and lists them', () => {
    const parsed = wsOk({
      id: 42,
      ...newTransaction,
      data: {
        ...newTransaction.data,
        terminal: 'T1',
        wares: [
          { ...newTransaction.data.wares[0], discount: 5 },
          { ...newTransaction.data.wares[0], discount: 0 },
        ],
      },
    });
    expect(parsed.unknownFields).toEqual(['data.terminal', 'data.wares[].discount', 'id']);
    expect(parsed.request.data).not.toHaveProperty('terminal');
    expect(wsOk({ event: 'z_report', data: { full: true } }).unknownFields).toEqual(['data.full']);
    expect(wsOk(newTransaction).unknownFields).toEqual([]);
  });
});

describe('seed 000 tax_number against the register’s tax table', () => {
  const kz = [
    { rate: 12000, name: 'НДС 12%' },
    { rate: 0, name: 'Без НДС', exempt: true },
  ];

  it('maps an index to its rate; "without VAT" puts no tax line on the item', () => {
    const vat = wsRequestToCommand(wsOk(withWare({ tax_number: 0 })).request, { taxTable: kz });
    expect(vat.ok && vat.value.type === 'receipt' && vat.value.items[0]?.taxes).toEqual([
      { rate: 12000, calcType: 'included', name: 'НДС 12%' },
    ]);
    const exempt = wsRequestToCommand(wsOk(withWare({ tax_number: '1' })).request, { taxTable: kz });
    expect(exempt.ok && exempt.value.type === 'receipt' && exempt.value.items[0]?.taxes).toEqual([]);
  });

  it('an index beyond the table is a tax error naming the field and the table’s entries', () => {
    const beyond = wsRequestToCommand(wsOk(withWare({ tax_number: 2 })).request, { taxTable: kz });
    expect(beyond).toMatchObject({ ok: false, error: { code: 'TAX_ERROR' } });
    if (!beyond.ok) {
      expect(beyond.error.message).toContain(
        'data.wares[0].tax_number: в налоговой таблице кассы нет налога 2',
      );
      expect(beyond.error.message).toContain('0 — НДС 12% (12 %), 1 — Без НДС');
    }
    const empty = wsRequestToCommand(wsOk(withWare({ tax_number: 0 })).request, { taxTable: [] });
    expect(!empty.ok && empty.error.message).toContain('налоговая таблица кассы пуста');
    expect(describeTaxTable([{ rate: 16500 }, { rate: 0, name: 'НДС 0%' }])).toBe(
      '0 — 16.5 %, 1 — НДС 0% (0 %)',
    );
  });
});
