import { describe, expect, it } from 'vitest';
import { canonicalError } from '../errors/canonical-error';
import { WS_ERROR_CODES } from '../errors/answer-codes';
import { cashCoreError } from '../errors/cash-core-codes';
import { wsAnswerSchema, WS_EVENTS } from './ws-frames';
import { parseWsRequest } from './ws-parse';
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
      ['{"event":"open_shift","data":{}}', 'onopen_shift'],
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
