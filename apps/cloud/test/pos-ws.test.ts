import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  WS_ERROR_CODES,
  wsAnswerSchema,
  wsCloseShiftAnswerSchema,
  wsErrorDataSchema,
  wsForceCloseShiftAnswerSchema,
  wsNewTransactionAnswerSchema,
  wsOpenShiftAnswerSchema,
  wsSimpleAnswerSchema,
  wsZReportAnswerSchema,
} from '@kassa-relay/protocol';
import { CloudWorld, PosWsClient, waitUntil } from './cloud-world';

type Kind = 'ikkm' | 'cashCore';
const CASHIER = 'Сидр Петров';

/** Seed 000's own example frame: 2 × 123.45 = 246.90, i.e. 24690 kopecks/tiyn. */
const newTransaction = (pymentType: 0 | 1) => ({
  event: 'new_transaction',
  data: {
    cashier: CASHIER,
    doc_type: 2,
    pyment_type: pymentType,
    ...(pymentType === 1 ? { rrn: 'LINK_917113269868' } : {}),
    wares: [{ name: 'Водка Айс 0,5л 40%', barcode: '123123', tax_number: 0, price: 123.45, quantity: 2 }],
  },
});

/** A seed 000 answer: the envelope validated by the protocol, then its success data by the event's own schema. */
function success<T>(answer: unknown, event: string, schema: { parse(value: unknown): T }): T {
  const envelope = wsAnswerSchema.parse(answer);
  expect(envelope.event, JSON.stringify(answer)).toBe(`on${event}`);
  expect(envelope.data, JSON.stringify(answer)).toMatchObject({ error: false, error_code: 0 });
  return schema.parse(envelope.data);
}

function failure(answer: unknown, event: string) {
  const envelope = answer as { event: string; data: unknown };
  expect(envelope.event).toBe(event);
  // Known events are validated by the whole answer schema; an unknown one has only the error shape.
  if (envelope.event !== `onunknown_event`) wsAnswerSchema.parse(answer);
  const data = wsErrorDataSchema.parse(envelope.data);
  expect(data.text.length).toBeGreaterThan(0);
  return data;
}

describe('raw WebSocket /ws (seed 000) through the cloud process, a real agent and both simulators', () => {
  const world = new CloudWorld();
  beforeAll(async () => {
    await world.start();
    await world.seedStore();
    await world.startAgent();
  }, 120_000);
  afterAll(() => world.close());

  const run = async (kind: Kind, how: 'header' | 'query') => {
    const seed = world.seed!;
    const client = await PosWsClient.connect(world.cloud.url, seed.posKeys[kind], how);
    try {
      const open = success(
        await client.call({ event: 'open_shift', data: { cashier: CASHIER } }),
        'open_shift',
        wsOpenShiftAnswerSchema,
      );
      expect(open.cashier?.length).toBeGreaterThan(0);
      expect(open.fn_number).not.toBe('');
      // iKKM: the current (possibly closed, 0 on a new device) shift; cash core: the open one or the next.
      expect(open.shift_number).toBeGreaterThanOrEqual(0);
      // The iKKM web-api has no INN (the register's config may add one); the cash core reports its own.
      if (kind === 'cashCore') expect(open.inn).toMatch(/^\d{12}$/);
      expect(open.cash_balance).toBeGreaterThanOrEqual(0);

      const sale = success(
        await client.call(newTransaction(1)),
        'new_transaction',
        wsNewTransactionAnswerSchema,
      );
      expect(sale.amount).toBe(24_690);
      expect(sale.text).toBe('Успешно');
      expect(sale.rrn).toBe('LINK_917113269868');
      expect(sale.fn_number).toBe(open.fn_number);
      expect(sale.shift_number).toBeGreaterThanOrEqual(1);
      expect(sale.check_number).toBeGreaterThan(0);
      expect(sale.doc_number).toBeGreaterThan(0);
      expect(sale.discount_sum).toBe(0);
      expect(sale.fiscal_id).toMatch(/\S/);
      const shift = Number(sale.shift_number);

      const cashSale = success(
        await client.call(newTransaction(0)),
        'new_transaction',
        wsNewTransactionAnswerSchema,
      );
      expect(cashSale.amount).toBe(24_690);
      expect(cashSale.shift_number).toBe(shift);
      expect(cashSale.check_number).toBeGreaterThan(Number(sale.check_number));
      expect(cashSale.fiscal_id).not.toBe(sale.fiscal_id);

      // A return of the cash sale (doc_type 3).
      const refund = success(
        await client.call({ ...newTransaction(0), data: { ...newTransaction(0).data, doc_type: 3 } }),
        'new_transaction',
        wsNewTransactionAnswerSchema,
      );
      expect(refund.amount).toBe(24_690);
      expect(refund.shift_number).toBe(shift);
      expect(refund.fiscal_id).toMatch(/\S/);

      for (const [docType, amount] of [
        [4, 50_000],
        [5, 10_000],
      ] as const) {
        const drawer = success(
          await client.call({
            event: 'cash_drawer_handler',
            data: { cashier: CASHIER, amount, doc_type: docType },
          }),
          'cash_drawer_handler',
          wsSimpleAnswerSchema,
        );
        expect(drawer.text).toBe('Успешно');
      }

      if (kind === 'ikkm') {
        // The iKKM moves whole tenge only: a refusal of this register, not of the protocol.
        const tiyn = failure(
          await client.call({
            event: 'cash_drawer_handler',
            data: { cashier: CASHIER, amount: 12_345, doc_type: 4 },
          }),
          'oncash_drawer_handler',
        );
        expect(tiyn.error_code).toBe(WS_ERROR_CODES.INVALID_REQUEST);
        expect(tiyn.text).toContain('тенге');
      }

      // Neither register can cancel a bank payment: the protocol's NOT_SUPPORTED code and a reason.
      const cancel = failure(
        await client.call({ event: 'cancel_payment', data: { rrn: 'LINK_917113269868', amount: 24_690 } }),
        'oncancel_payment',
      );
      expect(cancel.error_code).toBe(WS_ERROR_CODES.NOT_SUPPORTED);

      const close = success(
        await client.call({ event: 'close_shift', data: { cashier: CASHIER } }),
        'close_shift',
        wsCloseShiftAnswerSchema,
      );
      expect(close.shift_number).toBe(shift);
      expect(close.count_sales).toBe(2);
      expect(close.sum_sales).toBeCloseTo(493.8, 2);
      expect(close.count_returns).toBe(1);
      expect(close.sum_returns).toBeCloseTo(246.9, 2);
      expect(close.count_insert).toBe(1);
      expect(close.sum_insert).toBeCloseTo(500, 2);
      expect(close.count_remove).toBe(1);
      expect(close.sum_remove).toBeCloseTo(100, 2);
      expect(close.fn_number).toBe(open.fn_number);
      // The drawer: what was in it, plus the cash sale, plus the deposit, minus the withdrawal.
      expect(close.cash_balance).toBeCloseTo(Number(open.cash_balance) + 246.9 - 246.9 + 500 - 100, 2);

      const z = success(await client.call({ event: 'z_report' }), 'z_report', wsZReportAnswerSchema);
      expect(z.shift_number).toBe(shift);
      expect(z.count_sales).toBe(2);
      expect(z.sum_sales).toBeCloseTo(493.8, 2);
      expect(z.sum_insert).toBeCloseTo(500, 2);

      // Closing a closed shift is the register's refusal, in the protocol's words.
      const again = failure(
        await client.call({ event: 'close_shift', data: { cashier: CASHIER } }),
        'onclose_shift',
      );
      expect(again.error_code).toBe(WS_ERROR_CODES.SHIFT_NOT_OPEN);

      // A deposit opens the next shift; the emergency close closes it.
      success(
        await client.call({
          event: 'cash_drawer_handler',
          data: { cashier: CASHIER, amount: 20_000, doc_type: 4 },
        }),
        'cash_drawer_handler',
        wsSimpleAnswerSchema,
      );
      const force = success(
        await client.call({ event: 'force_close_shift' }),
        'force_close_shift',
        wsForceCloseShiftAnswerSchema,
      );
      expect(force.shift_number).toBe(shift + 1);
      expect(force.count_sales).toBe(0);
      expect(force.count_insert).toBe(1);
      expect(force.sum_insert).toBeCloseTo(200, 2);
      const z2 = success(
        await client.call({ event: 'z_report', data: null }),
        'z_report',
        wsZReportAnswerSchema,
      );
      expect(z2.shift_number).toBe(shift + 1);

      // Every command of this connection is a fiscal_document row with its outcome (the ledger
      // records a result right after the answer went out).
      const where = {
        registerId: seed.registers[kind],
        originChannel: 'ws',
        requestedAt: { gte: startedAt },
      };
      await waitUntil(
        async () =>
          (await world.prisma.fiscalDocument.count({ where: { ...where, completedAt: null } })) === 0,
        10_000,
        'every WS document completed in the ledger',
      );
      const rows = await world.prisma.fiscalDocument.findMany({ where, orderBy: { requestedAt: 'asc' } });
      expect(rows.map((row) => row.kind)).toEqual([
        'shift.open',
        'receipt',
        'receipt',
        'receipt',
        'cash.in',
        'cash.out',
        ...(kind === 'ikkm' ? ['cash.in'] : []),
        'payment.cancel',
        'shift.close',
        'report.z',
        'shift.close',
        'cash.in',
        'shift.forceClose',
        'report.z',
      ]);
      expect(rows.every((row) => row.originActor === `pos-key:${seed.posKeyIds[kind]}`)).toBe(true);
      const [cardRow, cashRow, refundRow] = rows.filter((row) => row.kind === 'receipt');
      expect(refundRow).toMatchObject({
        status: 'done',
        operation: 'saleReturn',
        total: 24_690n,
        fiscalId: refund.fiscal_id,
      });
      expect(cardRow).toMatchObject({
        status: 'done',
        operation: 'sale',
        total: 24_690n,
        fiscalId: sale.fiscal_id,
      });
      expect(cardRow!.shiftNumber).toBe(shift);
      expect(cardRow!.checkNumber).toBe(sale.check_number);
      expect(cashRow).toMatchObject({ status: 'done', total: 24_690n, fiscalId: cashSale.fiscal_id });
      expect(rows.find((row) => row.kind === 'cash.out')).toMatchObject({ status: 'done', total: 10_000n });
      expect(
        rows.filter((row) => row.kind === 'cash.in').map((row) => [row.status, Number(row.total)]),
      ).toEqual([['done', 50_000], ...(kind === 'ikkm' ? [['failed', 12_345]] : []), ['done', 20_000]]);
      expect(rows.find((row) => row.kind === 'payment.cancel')).toMatchObject({
        status: 'failed',
        total: 24_690n,
      });
      expect(rows.filter((row) => row.kind === 'shift.close').map((row) => row.status)).toEqual([
        'done',
        'failed',
      ]);
      // The shift table has the closed shift's figures.
      const closed = await world.prisma.shift.findUnique({
        where: { registerId_number: { registerId: seed.registers[kind], number: shift } },
      });
      expect(closed).toMatchObject({
        countSales: 2,
        sumSales: 49_380n,
        countReturns: 1,
        sumReturns: 24_690n,
        sumInsert: 50_000n,
        sumRemove: 10_000n,
      });
      expect(closed!.closedAt).not.toBeNull();
    } finally {
      client.close();
    }
  };
  let startedAt = new Date();

  for (const kind of ['ikkm', 'cashCore'] as const) {
    for (const how of ['header', 'query'] as const) {
      it(`${kind}: every seed 000 event with the key in the ${how === 'header' ? 'Authorization header' : '?token= query'}`, async () => {
        startedAt = new Date();
        await run(kind, how);
      }, 60_000);
    }
  }

  it('answers bad frames in the protocol’s words and keeps serving the same connection', async () => {
    const seed = world.seed!;
    const client = await PosWsClient.connect(world.cloud.url, seed.posKeys.cashCore, 'query');
    try {
      const stillServes = async () =>
        success(
          await client.call({ event: 'open_shift', data: { cashier: CASHIER } }),
          'open_shift',
          wsOpenShiftAnswerSchema,
        );

      const malformed = failure(await client.call('{"event": "open_shift", "data": {'), 'onerror');
      expect(malformed.error_code).toBe(WS_ERROR_CODES.INVALID_REQUEST);
      await stillServes();

      const notAnObject = failure(await client.call('[1,2,3]'), 'onerror');
      expect(notAnObject.error_code).toBe(WS_ERROR_CODES.INVALID_REQUEST);

      const unknown = failure(await client.call({ event: 'unknown_event', data: {} }), 'onunknown_event');
      expect(unknown.error_code).toBe(WS_ERROR_CODES.INVALID_REQUEST);
      expect(unknown.text).toContain('unknown_event');
      await stillServes();

      const badFields = failure(
        await client.call({
          event: 'new_transaction',
          data: { cashier: CASHIER, doc_type: 7, pyment_type: 0, wares: [] },
        }),
        'onnew_transaction',
      );
      expect(badFields.error_code).toBe(WS_ERROR_CODES.INVALID_REQUEST);
      expect(badFields.text).toContain('doc_type');
      expect(badFields.text).toContain('wares');
      await stillServes();

      // open_shift without a cashier is no longer refused (issue 12): a frame missing a required field is.
      const noCashier = failure(
        await client.call({ event: 'cash_drawer_handler', data: { amount: 100, doc_type: 4 } }),
        'oncash_drawer_handler',
      );
      expect(noCashier.error_code).toBe(WS_ERROR_CODES.INVALID_REQUEST);
      expect(noCashier.text).toContain('data.cashier');

      const noTax = failure(
        await client.call({
          event: 'new_transaction',
          data: {
            ...newTransaction(0).data,
            wares: [{ name: 'Чай', tax_number: 7, price: 10, quantity: 1 }],
          },
        }),
        'onnew_transaction',
      );
      expect(noTax.error_code).toBe(WS_ERROR_CODES.TAX_ERROR);
      await stillServes();
    } finally {
      client.close();
    }
    // None of the refused frames reached a register.
    const cancels = await world.prisma.fiscalDocument.count({
      where: { registerId: seed.registers.cashCore, kind: 'receipt', total: 1_000 },
    });
    expect(cancels).toBe(0);
  });

  it('refuses the upgrade (401) for a missing, unknown or foreign key', async () => {
    const seed = world.seed!;
    const url = `${world.cloud.url.replace(/^http/, 'ws')}/ws`;
    expect(await PosWsClient.refusedStatus(url)).toBe(401);
    expect(await PosWsClient.refusedStatus(`${url}?token=kr_pos_wrong`)).toBe(401);
    expect(await PosWsClient.refusedStatus(url, { authorization: 'Bearer kr_pos_wrong' })).toBe(401);
    expect(
      await PosWsClient.refusedStatus(
        `${url}?token=${seed.posKeys.ikkm}&register=${seed.registers.cashCore}`,
      ),
    ).toBe(401);
  }, 30_000);
});
