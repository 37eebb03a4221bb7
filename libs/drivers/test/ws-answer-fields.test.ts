import { afterEach, describe, expect, it } from 'vitest';
import {
  type CommandOutcome,
  commandOutcomeToWsAnswer,
  type RegisterIdentity,
  wsAnswerSchema,
  type WsRequest,
} from '@kassa-relay/protocol';
import { type IkkmWorld, ikkmWorld, okResult, sale as ikkmSale } from './helpers/ikkm-world';
import {
  ADMIN_PIN,
  type CashCoreWorld,
  err,
  KKM,
  ok,
  sale as coreSale,
  startCashCoreWorld,
} from './helpers/cash-core-world';

/**
 * Seed 000 answers built from real driver results (the cloud's own conversion), every field checked
 * against what the simulator holds: the values a POS client reads are the register's, and a field the
 * register cannot give, or a follow-up read that failed, is left out rather than answered as 0 or "".
 */

const CASHIER = 'Сидр Петров';
const requests = {
  open_shift: { event: 'open_shift', data: { cashier: CASHIER } },
  close_shift: { event: 'close_shift', data: { cashier: CASHIER } },
  force_close_shift: { event: 'force_close_shift', data: {} },
  z_report: { event: 'z_report', data: {} },
  new_transaction: {
    event: 'new_transaction',
    data: { cashier: CASHIER, doc_type: 2, pyment_type: 0, wares: [] },
  },
} as unknown as Record<string, WsRequest>;

/** The WS answer's data for this outcome, checked against the answer schema. */
function answer(event: keyof typeof requests, outcome: CommandOutcome, identity?: RegisterIdentity) {
  const frame = commandOutcomeToWsAnswer(requests[event]!, outcome, identity);
  const parsed = wsAnswerSchema.safeParse(frame);
  expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
  expect(frame.data['error']).toBe(false);
  return frame.data as Record<string, unknown>;
}

const tenge = (tiyn: number) => tiyn / 100;
const UNKNOWN_ON_IKKM = [
  'discount_sum_sales',
  'marckup_sum_sales',
  'discount_sum_returns',
  'marckup_sum_returns',
  'sum_canceled',
];

describe('iKKM: seed 000 answer fields carry the device values', () => {
  let w: IkkmWorld;
  afterEach(async () => {
    await w?.close();
  });

  /** Straight from the device's web-api (seed 002), with its current key. */
  const device = async <T>(w: IkkmWorld, path: string): Promise<T> => {
    const response = await fetch(`${w.sim.url}${path}?key=${await w.deviceKey()}`);
    return JSON.parse(await response.text()) as T;
  };
  const INN = '123456789012';

  it('open_shift, new_transaction, close_shift and z_report: numbers, totals and counters from the device', async () => {
    w = await ikkmWorld({ driver: { inn: INN } });
    okResult(await w.driver.execute({ type: 'cash.in', amount: 5_000_00 }, w.context));
    const sold = await w.driver.execute(ikkmSale(1_000_00), w.context);
    okResult(await w.driver.execute(ikkmSale(200_00, { operation: 'saleReturn' }), w.context));
    okResult(await w.driver.execute({ type: 'cash.out', amount: 100_00 }, w.context));

    const journal = await w.journal();
    const saleEntry = journal.find((entry) => entry.kind === 'sale')!;
    const newTransaction = answer('new_transaction', sold);
    expect(newTransaction).toMatchObject({
      amount: 1_000_00,
      check_number: saleEntry.checkNumber,
      doc_number: saleEntry.checkNumber,
      shift_number: saleEntry.shiftNumber,
      fn_number: '011700029000',
      inn: INN,
      discount_sum: 0,
    });

    const state = await w.control<{ shiftNumber: number; cashWeHave: number }>('GET', '/state');
    const info = await device<{ cashierName: string; factorySerialNumber: string }>(w, '/apicheck/getInfo');
    const report = await device<{ fiscalData: { sales: number; saleReturn: number } }>(
      w,
      `/dump/table/shifts/${state.shiftNumber}/report`,
    );
    const open = answer('open_shift', await w.driver.execute({ type: 'shift.open' }, w.context));
    expect(open).toEqual({
      error: false,
      error_code: 0,
      text: 'Успешно',
      cashier: info.cashierName,
      cash_balance: tenge(state.cashWeHave),
      fn_number: info.factorySerialNumber,
      inn: INN,
      shift_number: state.shiftNumber,
      // getInfo has no progressive totals (seed 002): the shift report's fiscalData does.
      progressive_total_sales: report.fiscalData.sales,
      progressive_total_returns: report.fiscalData.saleReturn,
    });
    expect(open['progressive_total_sales']).toBeGreaterThan(0);

    const closeOutcome = await w.driver.execute({ type: 'shift.close' }, w.context);
    const close = answer('close_shift', closeOutcome);
    const cheques = await device<{ chequeId: number }[]>(
      w,
      `/dump/table/shifts/${state.shiftNumber}/cheques`,
    );
    const lastCheque = Math.max(...cheques.map((row) => row.chequeId));
    // The last cheque of the shift: the sale return (the withdrawal after it is not a cheque).
    expect(lastCheque).toBe(journal.find((entry) => entry.kind === 'saleReturn')!.checkNumber);
    const closedReport = await device<{ fiscalData: { sales: number; saleReturn: number } }>(
      w,
      `/dump/table/shifts/${state.shiftNumber}/report`,
    );
    expect(close).toEqual({
      error: false,
      error_code: 0,
      text: 'Успешно',
      cashier: info.cashierName,
      cash_balance: tenge(state.cashWeHave),
      fn_number: info.factorySerialNumber,
      inn: INN,
      shift_number: state.shiftNumber,
      progressive_total_sales: closedReport.fiscalData.sales,
      progressive_total_returns: closedReport.fiscalData.saleReturn,
      doc_number: lastCheque,
      count_sales: 1,
      sum_sales: 1_000,
      count_returns: 1,
      sum_returns: 200,
      count_insert: 1,
      sum_insert: 5_000,
      count_remove: 1,
      sum_remove: 100,
    });
    for (const field of UNKNOWN_ON_IKKM) expect(close, field).not.toHaveProperty(field);

    const z = answer('z_report', await w.driver.execute({ type: 'report.z' }, w.context));
    const { cashier: _cashier, ...closeWithoutCashier } = close;
    expect(z).toEqual(closeWithoutCashier);
  });

  it('a failing follow-up read does not fail the done Z: its fields are left out', async () => {
    w = await ikkmWorld();
    okResult(await w.driver.execute(ikkmSale(1_000_00), w.context));
    await w.control('POST', '/faults', { kind: 'error', code: -99, match: '/dump/table/shifts/1/report' });
    await w.control('POST', '/faults', { kind: 'error', code: -99, match: '/dump/table/shifts/1/cheques' });
    const outcome = await w.driver.execute({ type: 'shift.forceClose' }, w.context);
    const result = okResult(outcome);
    expect(result).toMatchObject({ shiftNumber: 1, shift: { open: false } });
    expect(result.counters).toBeUndefined();
    expect(result.documentNumber).toBeUndefined();
    expect((await w.journal()).map((entry) => entry.kind)).toEqual(['sale', 'zreport']);
    const data = answer('force_close_shift', outcome);
    expect(data).toMatchObject({ shift_number: 1, fn_number: '011700029000' });
    for (const field of ['cash_balance', 'doc_number', 'count_sales', 'sum_sales', 'progressive_total_sales'])
      expect(data, field).not.toHaveProperty(field);
    // Once the device answers again, z_report reads the same shift with its figures.
    const z = answer('z_report', await w.driver.execute({ type: 'report.z' }, w.context));
    expect(z).toMatchObject({ shift_number: 1, doc_number: 1, count_sales: 1, sum_sales: 1_000 });
  });

  it('a receipt whose follow-up getInfo fails is still done: the shift number is left out, the check number kept', async () => {
    w = await ikkmWorld();
    // Identity first (it is cached), then the next getInfo — the one after /api — fails.
    okResult(await w.driver.execute({ type: 'register.info' }, w.context));
    await w.control('POST', '/faults', { kind: 'error', code: -99, match: '/apicheck/getInfo' });
    const outcome = await w.driver.execute(ikkmSale(500_00), w.context);
    const result = okResult(outcome);
    const [entry] = await w.journal();
    expect(result.checkNumber).toBe(entry!.checkNumber);
    expect(result.shiftNumber).toBeUndefined();
    const data = answer('new_transaction', outcome);
    expect(data).toMatchObject({
      amount: 500_00,
      check_number: entry!.checkNumber,
      doc_number: entry!.checkNumber,
    });
    expect(data).not.toHaveProperty('shift_number');
    expect(data).not.toHaveProperty('inn'); // not configured: the web-api has no INN
  });

  it('open_shift as a plain cashier (shift reports are for senior cashiers, -16): no progressive totals, the drawer still there', async () => {
    w = await ikkmWorld();
    okResult(await w.driver.execute(ikkmSale(1_000_00), w.context));
    await w.control('POST', '/device', { cashierId: 100 });
    const outcome = await w.driver.execute({ type: 'shift.open' }, w.context);
    const data = answer('open_shift', outcome);
    const state = await w.control<{ cashWeHave: number }>('GET', '/state');
    expect(data).toMatchObject({ shift_number: 1, cash_balance: tenge(state.cashWeHave) });
    expect(data).not.toHaveProperty('progressive_total_sales');
    expect(data).not.toHaveProperty('progressive_total_returns');
  });

  it('reprint prints the last document (a copy on the paper) and reports the device refusal', async () => {
    w = await ikkmWorld();
    okResult(await w.driver.execute(ikkmSale(1_000_00), w.context));
    okResult(await w.driver.execute({ type: 'receipt.reprint', document: { last: true } }, w.context));
    const paper = await w.control<{ documents?: { source: string; lines: string[] }[] } | unknown[]>(
      'GET',
      '/printer',
    );
    expect(JSON.stringify(paper)).toContain('КОПИЯ');
    await w.control('POST', '/device', { printerReady: false });
    const refused = await w.driver.execute({ type: 'receipt.reprint', document: { last: true } }, w.context);
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.error).toMatchObject({ code: 'PRINTER_NOT_READY', device: { code: -6 } });
  });
});

describe('cash core: seed 000 answer fields carry the core values', () => {
  let w: CashCoreWorld;
  afterEach(async () => {
    await w?.close();
  });

  const getKkm = async (w: CashCoreWorld) => {
    const response = await fetch(`${w.url}/GetKKMList`, {
      method: 'POST',
      headers: { authorization: ADMIN_PIN, 'content-type': 'application/json' },
      body: JSON.stringify({ ofd_id: KKM }),
    });
    const body = (await response.json()) as { response_data: Record<string, unknown>[] };
    return body.response_data[0] as {
      fr_shift_number: number;
      /** Decimal tenge in GetKKMList (seed 003), indexed by OperationTypeEnum. */
      non_nullable_sums: number[];
      cash_sum: number;
    };
  };

  it('open_shift, close_shift, z_report: progressive totals, document number, annulled and modifier sums from the core', async () => {
    w = await startCashCoreWorld();
    ok(await w.execute({ type: 'cash.in', amount: 100_000 }));
    ok(
      await w.execute(
        coreSale(250_000, {
          extra: {
            items: [{ name: 'X', quantity: 1000, price: 250_000, sum: 250_000, discount: 1_000 }],
            total: 249_000,
            payments: [{ kind: 'cash', amount: 249_000 }],
          },
        }),
      ),
    );
    ok(await w.execute({ ...coreSale(20_000), operation: 'saleReturn' }));

    const kkm = await getKkm(w);
    const open = answer('open_shift', await w.execute({ type: 'shift.open' }));
    expect(open).toMatchObject({
      shift_number: kkm.fr_shift_number,
      progressive_total_sales: kkm.non_nullable_sums[2],
      progressive_total_returns: kkm.non_nullable_sums[3],
      cash_balance: tenge(100_000 + 249_000 - 20_000),
      inn: '910812450255',
      fn_number: 'ISCR1018036404743',
    });

    const closeOutcome = await w.execute({ type: 'shift.close' });
    const close = answer('close_shift', closeOutcome);
    const zEntry = (await w.journal()).find((entry) => entry.kind === 'zreport')!;
    expect(close).toMatchObject({
      shift_number: zEntry.shiftNumber,
      doc_number: zEntry.shiftDocumentNumber,
      progressive_total_sales: kkm.non_nullable_sums[2],
      progressive_total_returns: kkm.non_nullable_sums[3],
      discount_sum_sales: 10,
      marckup_sum_sales: 0,
      discount_sum_returns: 0,
      marckup_sum_returns: 0,
      // The core reports annulled_tickets_count 0 for the shift: nothing annulled, a real 0.
      sum_canceled: 0,
      count_sales: 1,
      sum_sales: 2_490,
      count_returns: 1,
      sum_returns: 200,
      count_insert: 1,
      sum_insert: 1_000,
      count_remove: 0,
      sum_remove: 0,
    });
    expect(typeof close['cashier']).toBe('string');
    const z = answer('z_report', await w.execute({ type: 'report.z' }));
    const { cashier: _cashier, ...closeWithoutCashier } = close;
    expect(z).toMatchObject(closeWithoutCashier);
  });

  it('receipt.reprint is NOT_SUPPORTED with the reason (seed 003 has no print call); nothing is sent that prints', async () => {
    w = await startCashCoreWorld();
    const receipt = ok(await w.execute(coreSale(5_000)));
    const checkpoints = w.checkpoints.length;
    for (const document of [{ fiscalId: receipt.fiscalId ?? '' }, { last: true as const }]) {
      const error = err(await w.execute({ type: 'receipt.reprint', document }));
      expect(error.code).toBe('NOT_SUPPORTED');
      expect(error.message).toContain('seed 003');
      expect(error.message).toContain('копи');
    }
    // An unknown document is still NOT_FOUND (seed 001 code 9), not "cannot print".
    expect(err(await w.execute({ type: 'receipt.reprint', document: { fiscalId: '999999999' } })).code).toBe(
      'NOT_FOUND',
    );
    expect(await w.journal()).toHaveLength(1);
    expect(w.checkpoints).toHaveLength(checkpoints);
    expect(w.driver.capabilities().commands).not.toContain('receipt.reprint');
  });
});
