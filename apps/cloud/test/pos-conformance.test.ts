import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudWorld, PosWsClient, postSale } from './cloud-world';

/**
 * Conformance with seeds 000 (WebSocket) and 001 (/sale), on both register kinds, through the
 * cloud process, a real agent and both simulators: first each seed's own examples as the seed
 * writes them, then the variations real clients send (issue 12). Every answer field is checked
 * against the seed's answer description: its name, its type, and nothing the seed does not list
 * (beyond the documented `fiscal_id` extra).
 */

type Kind = 'ikkm' | 'cashCore';
const KINDS: Kind[] = ['ikkm', 'cashCore'];

type FieldType = 'string' | 'number' | 'boolean' | 'integer';

// ---- seed 000: the answer fields of each event, as its examples show them ----
const COMMON: Record<string, FieldType> = { error: 'boolean', error_code: 'integer', text: 'string' };
const SHIFT_FIELDS: Record<string, FieldType> = {
  cashier: 'string',
  cash_balance: 'number',
  fn_number: 'string',
  inn: 'string',
  shift_number: 'integer',
  progressive_total_sales: 'number',
  progressive_total_returns: 'number',
};
const COUNTERS: Record<string, FieldType> = {
  ...SHIFT_FIELDS,
  discount_sum_sales: 'number',
  marckup_sum_sales: 'number',
  discount_sum_returns: 'number',
  marckup_sum_returns: 'number',
  doc_number: 'integer',
  count_sales: 'integer',
  sum_sales: 'number',
  count_insert: 'integer',
  count_remove: 'integer',
  count_returns: 'integer',
  sum_canceled: 'number',
  sum_insert: 'number',
  sum_remove: 'number',
  sum_returns: 'number',
};
const WS_ANSWER_FIELDS: Record<string, Record<string, FieldType>> = {
  onopen_shift: { ...COMMON, ...SHIFT_FIELDS },
  onclose_shift: { ...COMMON, ...COUNTERS },
  onforce_close_shift: { ...COMMON, ...COUNTERS },
  onz_report: { ...COMMON, ...COUNTERS },
  onnew_transaction: {
    ...COMMON,
    amount: 'integer',
    cashier: 'string',
    rrn: 'string',
    fn_number: 'string',
    inn: 'string',
    shift_number: 'integer',
    check_number: 'integer',
    discount_sum: 'number',
    doc_number: 'integer',
    // kassa-relay's documented extras: the receipt's fiscal sign and the OFD's check link
    // (docs/protocol-mapping.md, "WS answer fields").
    fiscal_id: 'string',
    qr_code: 'string',
  },
  oncancel_payment: COMMON,
  oncash_drawer_handler: COMMON,
  onerror: COMMON,
};

/** Fields a register kind gives in every success answer of the event (the rest: when it can). */
const ALWAYS: Record<string, string[]> = {
  onopen_shift: ['error', 'error_code', 'cashier', 'cash_balance', 'fn_number', 'shift_number'],
  onclose_shift: [
    'error',
    'error_code',
    'cash_balance',
    'fn_number',
    'shift_number',
    'count_sales',
    'sum_sales',
  ],
  onforce_close_shift: ['error', 'error_code', 'fn_number', 'shift_number'],
  onz_report: ['error', 'error_code', 'fn_number', 'shift_number', 'count_sales', 'sum_sales'],
  onnew_transaction: [
    'error',
    'error_code',
    'amount',
    'cashier',
    'fn_number',
    'shift_number',
    'check_number',
  ],
  oncancel_payment: ['error', 'error_code'],
  oncash_drawer_handler: ['error', 'error_code'],
};

function typeOk(value: unknown, type: FieldType): boolean {
  if (type === 'integer') return Number.isInteger(value);
  return typeof value === type;
}

/** Every field is one the seed lists for this answer, with the seed's type. */
function expectSeedShape(answer: { event: string; data: Record<string, unknown> }): void {
  const fields = WS_ANSWER_FIELDS[answer.event];
  expect(fields, `an answer event seed 000 does not have: ${answer.event}`).toBeDefined();
  for (const [name, value] of Object.entries(answer.data)) {
    expect(fields![name], `${answer.event}.${name} is not a seed 000 field`).toBeDefined();
    expect(typeOk(value, fields![name]!), `${answer.event}.${name} = ${JSON.stringify(value)}`).toBe(true);
  }
  expect(typeof answer.data['error']).toBe('boolean');
  expect(Number.isInteger(answer.data['error_code'])).toBe(true);
  if (answer.data['error'] === true) {
    expect(answer.data['error_code']).not.toBe(0);
    expect(String(answer.data['text'] ?? '')).toMatch(/\S/);
  } else {
    expect(answer.data['error_code']).toBe(0);
    for (const name of ALWAYS[answer.event] ?? [])
      expect(answer.data, `${answer.event} without ${name}`).toHaveProperty(name);
  }
}

// ---- seed 001: the answer fields ----
const SALE_ANSWER_FIELDS: Record<string, FieldType> = {
  status: 'string',
  code: 'integer',
  message: 'string',
  printError: 'integer',
  documentID: 'integer',
  fiscalID: 'string',
  fiscalNum: 'string',
  rrn: 'string',
  auth: 'string',
  cardNum: 'string',
  checkNum: 'string',
};

function expectSaleShape(answer: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(answer)) {
    expect(SALE_ANSWER_FIELDS[name], `${name} is not a seed 001 answer field`).toBeDefined();
    expect(typeOk(value, SALE_ANSWER_FIELDS[name]!), `${name} = ${JSON.stringify(value)}`).toBe(true);
  }
  expect(['success', 'error']).toContain(answer['status']);
  expect(answer['code']).toBeGreaterThanOrEqual(0);
  expect(answer['code']).toBeLessThanOrEqual(9);
  expect(answer['status'] === 'success').toBe(answer['code'] === 0);
  if (answer['code'] === 0) {
    expect(String(answer['fiscalID'] ?? '')).toMatch(/\S/);
    expect(String(answer['fiscalNum'] ?? '')).toMatch(/\S/);
  } else expect(String(answer['message'] ?? '')).toMatch(/\S/);
}

/** Seed 000's examples, as the seed writes them (JSON-encoded, as a client sends them). */
const SEED_000 = {
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
};

/** Seed 001's request with every field the seed lists filled in. */
const seed001 = (overrides: Record<string, unknown> = {}) => ({
  docTime: '2026-12-01 09:30:00',
  docNumber: `S-${randomUUID().slice(0, 8)}`,
  wsName: '1',
  departmentName: 'Магазин на Абая',
  employeeName: 'Сидр Петров',
  amount: 24_690,
  currency: 'KZT',
  items: [
    {
      itemId: '123123',
      itemName: 'Кофе',
      itemAttr: 0,
      itemQRCode: '',
      itemQty: 2000,
      itemAmount: 24_690,
      discount: 0,
      itemTaxes: [{ taxName: 'НДС', taxPrc: 1200, calcType: 1 }],
      itemMarginSum: null,
      itemMarginPrice: null,
    },
  ],
  payments: { cashAmount: 24_690, cashlessAmount: 0 },
  printFooter: 'Спасибо за покупку',
  ...overrides,
});

describe('seed 000 and 001 conformance on both register kinds', () => {
  const world = new CloudWorld();
  beforeAll(async () => {
    await world.start();
    await world.seedStore();
    await world.startAgent();
  }, 120_000);
  afterAll(() => world.close());

  const sim = (kind: Kind) => (kind === 'ikkm' ? world.ikkm : world.cashCore);
  const receipts = async (kind: Kind) =>
    (await world.journal(sim(kind))).filter((entry) => entry.kind === 'sale');
  async function sale(kind: Kind, body: string | object): Promise<Record<string, unknown>> {
    const { status, answer } = await postSale(world.cloud.url, world.seed!.posKeys[kind], body);
    expect(status).toBe(200);
    expectSaleShape(answer as Record<string, unknown>);
    return answer as Record<string, unknown>;
  }

  for (const kind of KINDS) {
    it(`${kind}: seed 000's own examples, verbatim`, async () => {
      const ws = await PosWsClient.connect(world.cloud.url, world.seed!.posKeys[kind], 'header');
      try {
        const open = await ws.call(SEED_000.open_shift);
        expectSeedShape(open);
        // `cashier` is the register's: the one whose name is on the shift (the seed echoes it).
        expect(open).toMatchObject({ event: 'onopen_shift', data: { error: false } });
        expect(String(open.data['cashier'])).toMatch(/\S/);

        const before = (await receipts(kind)).length;
        const sold = await ws.call(SEED_000.new_transaction);
        expectSeedShape(sold);
        // 123.45 × 2 = 246.90 → 24690 kopecks (the seed's own answer says 2469: its example's typo).
        expect(sold.data).toMatchObject({ error: false, amount: 24_690, rrn: 'LINK_917113269868' });
        expect(await receipts(kind)).toHaveLength(before + 1);

        const drawer = await ws.call(SEED_000.cash_drawer_handler);
        expectSeedShape(drawer);
        if (kind === 'cashCore') expect(drawer.data).toMatchObject({ error: false });
        // The iKKM moves whole tenge only (seed 002): a register refusal in the protocol's words.
        else expect(drawer.data['error'] === false || /тенге/.test(String(drawer.data['text']))).toBe(true);

        const cancel = await ws.call(SEED_000.cancel_payment);
        expectSeedShape(cancel);

        const close = await ws.call(SEED_000.close_shift);
        expectSeedShape(close);
        expect(close.data).toMatchObject({
          error: false,
          shift_number: sold.data['shift_number'],
          count_sales: 1,
        });

        const z = await ws.call(SEED_000.z_report);
        expectSeedShape(z);
        expect(z.data).toMatchObject({ error: false, shift_number: sold.data['shift_number'] });

        // force_close_shift as the seed writes it (no data), on an open shift.
        expectSeedShape(await ws.call(SEED_000.open_shift));
        await ws.call({
          event: 'cash_drawer_handler',
          data: { cashier: 'Сидр Петров', amount: 10_000, doc_type: 4 },
        });
        const force = await ws.call(SEED_000.force_close_shift);
        expectSeedShape(force);
        expect(force.data).toMatchObject({ error: false });
      } finally {
        ws.close();
      }
    }, 90_000);

    it(`${kind}: what real WS clients send — BOM, numbers as strings, null, spaces, no data — is served`, async () => {
      const ws = await PosWsClient.connect(world.cloud.url, world.seed!.posKeys[kind], 'query');
      try {
        const open = await ws.call('\uFEFF' + JSON.stringify({ event: ' open_shift ' }));
        expectSeedShape(open);
        expect(open).toMatchObject({ event: 'onopen_shift', data: { error: false } });

        const before = (await receipts(kind)).length;
        const sold = await ws.call({
          event: 'new_transaction',
          data: {
            cashier: 'Сидр Петров',
            doc_type: '2',
            pyment_type: '0',
            rrn: null,
            unknownField: 'ignored',
            wares: [{ name: 'Хлеб', barcode: null, tax_number: '0', price: '150.00', quantity: '2' }],
          },
        });
        expectSeedShape(sold);
        expect(sold.data, JSON.stringify(sold.data)).toMatchObject({ error: false, amount: 30_000 });
        expect(await receipts(kind)).toHaveLength(before + 1);

        const drawer = await ws.call({
          event: 'cash_drawer_handler',
          data: { cashier: 'Сидр Петров', amount: '10000', doc_type: '4' },
        });
        expectSeedShape(drawer);
        expect(drawer.data).toMatchObject({ error: false });

        // A refusal names the field and the reason.
        const bad = await ws.call({
          event: 'new_transaction',
          data: {
            cashier: 'Сидр Петров',
            doc_type: 2,
            pyment_type: 0,
            wares: [{ name: 'Хлеб', tax_number: 0, price: 'abc', quantity: 1 }],
          },
        });
        expectSeedShape(bad);
        expect(bad.data).toMatchObject({ error: true });
        expect(String(bad.data['text'])).toMatch(/price/);
        const beyond = await ws.call({
          event: 'new_transaction',
          data: {
            cashier: 'Сидр Петров',
            doc_type: 2,
            pyment_type: 0,
            wares: [{ name: 'Хлеб', tax_number: 99, price: 1, quantity: 1 }],
          },
        });
        expectSeedShape(beyond);
        expect(beyond.data).toMatchObject({ error: true });
        expect(String(beyond.data['text'])).toMatch(/tax_number/);
        expect(await receipts(kind)).toHaveLength(before + 1);

        const close = await ws.call({ event: 'close_shift' });
        expectSeedShape(close);
        expect(close.data).toMatchObject({ error: false });
      } finally {
        ws.close();
      }
    }, 90_000);

    it(`${kind}: seed 001's request with every field, then its repeat`, async () => {
      const body = seed001();
      const before = (await receipts(kind)).length;
      const first = await sale(kind, body);
      expect(first).toMatchObject({ status: 'success', code: 0 });
      const repeat = await sale(kind, body);
      expect(repeat).toMatchObject({ code: 0, fiscalID: first['fiscalID'], fiscalNum: first['fiscalNum'] });
      expect(await receipts(kind)).toHaveLength(before + 1);
    }, 60_000);

    it(`${kind}: what real /sale clients send is served, and every refusal names its field`, async () => {
      const before = (await receipts(kind)).length;
      // A UTF-8 BOM, numbers as strings, null for optional fields, wsName as a number, no calcType,
      // an ISO docTime, an unknown field.
      const body = seed001({
        docTime: '2026-12-01T09:45:00',
        wsName: 7,
        amount: '24690',
        extraField: { anything: true },
      }) as Record<string, unknown>;
      body['items'] = [
        {
          itemId: null,
          itemName: 'Кофе',
          itemQty: '2000',
          itemAmount: '24690',
          discount: null,
          itemTaxes: [{ taxName: null, taxPrc: '1200', calcType: null }],
          itemMarginSum: null,
          itemMarginPrice: null,
        },
      ];
      body['payments'] = { cashAmount: '24690', cashlessAmount: null };
      const served = await sale(kind, '\uFEFF' + JSON.stringify(body));
      expect(served, JSON.stringify(served)).toMatchObject({ status: 'success', code: 0 });
      expect(await receipts(kind)).toHaveLength(before + 1);
      // The same document with the seed's docTime format is the same document: not printed again.
      const same = await sale(kind, { ...body, docTime: '2026-12-01 09:45:00' });
      expect(same).toMatchObject({ code: 0, fiscalID: served['fiscalID'] });
      expect(await receipts(kind)).toHaveLength(before + 1);

      // Refusals: the field and the reason in `message`, nothing printed.
      const noName = seed001();
      delete (noName.items[0] as Record<string, unknown>)['itemName'];
      expect(await sale(kind, noName)).toMatchObject({ code: 3, message: expect.stringMatching(/itemName/) });
      expect(await sale(kind, seed001({ amount: 'много' }))).toMatchObject({
        code: 3,
        message: expect.stringMatching(/amount/),
      });
      expect(await sale(kind, seed001({ amount: 1 }))).toMatchObject({ code: 4 });
      expect(await sale(kind, seed001({ payments: { cashAmount: 100 } }))).toMatchObject({ code: 8 });
      const rub = await sale(kind, seed001({ currency: 'RUB' }));
      expect(rub).toMatchObject({ status: 'error' });
      expect(rub['message']).toMatch(/RUB|валют/);
      expect(await receipts(kind)).toHaveLength(before + 1);
    }, 60_000);
  }
});
