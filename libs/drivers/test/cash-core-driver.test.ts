import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { registerHealthSchema, commandResultSchema } from '@kassa-relay/protocol';
import { freePort } from '@kassa-relay/testing';
import { CashCoreDriver } from '../src/cash-core';
import {
  ADMIN_PIN,
  type CashCoreWorld,
  err,
  KKM,
  ok,
  sale,
  startCashCoreWorld,
} from './helpers/cash-core-world';
import { waitFor } from '@kassa-relay/testing';

const HOUR = 3_600_000;

let w: CashCoreWorld;
beforeEach(async () => {
  w = await startCashCoreWorld();
});
afterEach(async () => {
  await w.close();
});

const pngOf = (base64: string) => PNG.sync.read(Buffer.from(base64, 'base64'));

/** Moves the driver's clock past the processing window of what was sent so far (1 s in the world). */
const passWindow = () => {
  w.clock.offsetMs += 1_100;
};

describe('CashCoreDriver: capabilities', () => {
  it('describes the cash core', () => {
    const caps = w.driver.capabilities();
    expect(caps).toMatchObject({
      kind: 'cash-core',
      currency: 'KZT',
      paymentKinds: ['cash', 'card', 'mobile'],
      receiptOperations: ['sale', 'saleReturn', 'buy', 'buyReturn'],
      receiptImages: true,
      operatorSync: 'readWrite',
      shiftOpensWithFirstDocument: true,
    });
    expect(caps.commands).not.toContain('payment.cancel');
    // Seed 003 has no call that prints a copy: receipt.reprint answers NOT_SUPPORTED.
    expect(caps.commands).not.toContain('receipt.reprint');
    expect(caps.commands).toEqual(
      expect.arrayContaining(['receipt', 'report.z', 'operators.sync', 'receipt.image']),
    );
  });
});

describe('CashCoreDriver: round trips', () => {
  it('shift.open on a closed register answers the shift the first document will open; nothing is registered', async () => {
    // A register without any Z report in its journal: the driver can only take GetKKMList's number
    // for the last closed shift, right under the closedShift "last" reading (cash-core-readings.test.ts
    // covers the others, after a Z).
    await w.readings({ closedShift: 'last' });
    const result = ok(await w.execute({ type: 'shift.open' }));
    expect(result.shiftNumber).toBe(118);
    expect(result.shift).toMatchObject({ number: 118, open: false, cashier: 'Administrator' });
    expect(result.identity).toMatchObject({ serialNumber: 'ISCR1018036404743', inn: '910812450255' });
    expect(result.counters?.progressiveTotalSales).toBe(72_798_698);
    expect(w.checkpoints).toHaveLength(0);
    expect(await w.journal()).toHaveLength(0);

    ok(await w.execute({ type: 'cash.in', amount: 10_000 }));
    const again = ok(await w.execute({ type: 'shift.open' }));
    expect(again.shift).toMatchObject({ number: 118, open: true });
    expect(again.shift?.openedAt).toBeDefined();
    expect(again.counters?.cashBalance).toBe(10_000);

    // After a Z the next shift is the Z's + 1, whatever GetKKMList shows for a closed shift.
    ok(await w.execute({ type: 'shift.close' }));
    await w.readings({ closedShift: 'next' });
    expect(ok(await w.execute({ type: 'shift.open' })).shift).toMatchObject({ number: 119, open: false });
    expect(await w.journal()).toHaveLength(2);
  });

  it('sale with item discount, item taxes and cash change: one ticket, the result matches the journal', async () => {
    const command = {
      type: 'receipt' as const,
      operation: 'sale' as const,
      items: [
        {
          name: 'Чай',
          barcode: '4870001234567',
          quantity: 2000,
          price: 100_000,
          sum: 200_000,
          discount: 5_000,
          taxes: [{ rate: 12_000 }],
          sectionCode: 'Отдел1',
          measureUnitCode: '116',
        },
        { name: 'Сахар', quantity: 500, price: 30_001, sum: 15_001 },
      ],
      payments: [{ kind: 'cash' as const, amount: 300_000 }],
      total: 210_001,
    };
    const result = ok(await w.execute(command));
    expect(commandResultSchema.parse(result)).toBeTruthy();
    const journal = await w.journal();
    expect(journal).toHaveLength(1);
    const entry = journal[0]!;
    expect(entry).toMatchObject({
      kind: 'sale',
      operation: 'OPERATION_SELL',
      total: 210_001,
      change: 89_999,
    });
    expect(entry.payments).toEqual([{ type: 0, sum: 210_001 }]);
    expect(result).toMatchObject({
      type: 'receipt',
      fiscalId: entry.fiscalNumber,
      shiftNumber: 118,
      documentNumber: 1,
      total: 210_001,
      change: 89_999,
      offline: false,
      cashier: 'Administrator',
      shift: { number: 118, open: true },
    });
    expect(result.checkNumber).toBe(1004);
    expect(result.qrPayload).toContain(`i=${entry.fiscalNumber}&f=010100134464&s=2100,01`);
    expect(result.identity).toMatchObject({
      kind: 'cash-core',
      serialNumber: 'ISCR1018036404743',
      registrationNumber: '010100134464',
      inn: '910812450255',
      registerName: 'Test_6923',
    });
    const raw = result.raw as {
      body: {
        itemsList: {
          type: number;
          commodity?: {
            section_code: string;
            quantity: number;
            barcode: string;
            measure_unit_code: string;
            taxesList: { percent: number; sum: unknown }[];
          };
        }[];
      };
    };
    const first = raw.body.itemsList[0]?.commodity;
    expect(first).toMatchObject({
      section_code: 'Отдел1',
      quantity: 2000,
      barcode: '4870001234567',
      measure_unit_code: '116',
    });
    // 12 % included in the line's net 1950.00: 1950 × 12 / 112 = 208.93
    expect(first?.taxesList[0]).toEqual({
      percent: 12_000,
      sum: { bills: 208, coins: 93 },
      is_in_total_sum: true,
    });
    expect(raw.body.itemsList[1]).toMatchObject({ type: 5, discount: { sum: { bills: 50, coins: 0 } } });
    expect(raw.body.itemsList[2]?.commodity).toMatchObject({
      section_code: '1',
      measure_unit_code: '796',
      quantity: 500,
    });
    expect((await w.state()).cashInDrawer).toBe(210_001);

    // The checkpoint was stored before the call, with the counters read just before it (a closed
    // shift shown as the next one's number: the simulator's default closedShift "next").
    expect(w.checkpoints).toHaveLength(1);
    expect(w.checkpoints[0]).toMatchObject({
      kind: 'cash-core',
      kkmOfdId: KKM,
      shiftNumber: 118,
      shiftOpen: false,
      shiftDocumentNumber: 0,
      method: 'TradeOperation',
    });
    expect(w.journalAtCheckpoint).toEqual([0]);
  });

  it('card + mobile with a receipt discount, receipt taxes and a customer IIN', async () => {
    const result = ok(
      await w.execute({
        type: 'receipt',
        operation: 'sale',
        items: [
          { name: 'A', quantity: 1000, price: 150_000, sum: 150_000 },
          { name: 'B', quantity: 3000, price: 25_050, sum: 75_150, markup: 850 },
        ],
        discount: 6_000,
        taxes: [{ rate: 12_000, amount: 23_571 }],
        payments: [
          { kind: 'card', amount: 120_000 },
          { kind: 'mobile', amount: 100_000 },
        ],
        total: 220_000,
        customerIinBin: '123456789012',
        rrn: 'LINK_1',
      }),
    );
    const [entry] = await w.journal();
    expect(entry).toMatchObject({
      kind: 'sale',
      total: 220_000,
      payments: [
        { type: 1, sum: 120_000 },
        { type: 4, sum: 100_000 },
      ],
    });
    expect(result).toMatchObject({ fiscalId: entry?.fiscalNumber, total: 220_000, change: 0, rrn: 'LINK_1' });
    const body = (result.raw as { body: Record<string, unknown> }).body as {
      extension_options: { customer_iin_or_bin: string };
      taxesList: unknown[];
      amounts: { discount: { sum: unknown } };
    };
    expect(body.extension_options.customer_iin_or_bin).toBe('123456789012');
    expect(body.taxesList).toEqual([
      { percent: 12_000, sum: { bills: 235, coins: 71 }, is_in_total_sum: true },
    ]);
    expect(body.amounts.discount.sum).toEqual({ bills: 60, coins: 0 });
  });

  it('maps every receipt operation: sale return, buy, buy return', async () => {
    ok(await w.execute({ type: 'cash.in', amount: 500_000 }));
    ok(await w.execute(sale(10_000)));
    ok(await w.execute({ ...sale(10_000), operation: 'saleReturn' }));
    ok(await w.execute({ ...sale(20_000), operation: 'buy' }));
    ok(await w.execute({ ...sale(5_000), operation: 'buyReturn' }));
    const journal = await w.journal();
    expect(journal.map((e) => e.operation)).toEqual([
      'MONEY_PLACEMENT_DEPOSIT',
      'OPERATION_SELL',
      'OPERATION_SELL_RETURN',
      'OPERATION_BUY',
      'OPERATION_BUY_RETURN',
    ]);
    // In: 5000 + 100 + 50; out: 100 + 200.
    expect((await w.state()).cashInDrawer).toBe(500_000 + 10_000 - 10_000 - 20_000 + 5_000);
  });

  it('cash.in and cash.out are money placements', async () => {
    const deposit = ok(await w.execute({ type: 'cash.in', amount: 100_050 }));
    const withdrawal = ok(await w.execute({ type: 'cash.out', amount: 40_000 }));
    expect(deposit).toMatchObject({
      type: 'cash.in',
      shiftNumber: 118,
      documentNumber: 1,
      total: 100_050,
      offline: false,
      cashier: 'Administrator',
    });
    expect(withdrawal).toMatchObject({
      type: 'cash.out',
      shiftNumber: 118,
      documentNumber: 2,
      total: 40_000,
    });
    const journal = await w.journal();
    expect(journal.map((e) => [e.kind, e.total])).toEqual([
      ['deposit', 100_050],
      ['withdrawal', 40_000],
    ]);
    expect((await w.state()).cashInDrawer).toBe(60_050);
    expect(w.checkpoints.map((c) => c.kind === 'cash-core' && [c.method, c.shiftDocumentNumber])).toEqual([
      ['MoneyPlacement', 0],
      ['MoneyPlacement', 1],
    ]);
  });

  it('report.x, shift.close (Z) and report.z: counters in tiyn from the reports', async () => {
    ok(await w.execute({ type: 'cash.in', amount: 100_000 }));
    ok(
      await w.execute(
        sale(250_000, {
          extra: {
            items: [{ name: 'X', quantity: 1000, price: 250_000, sum: 250_000, discount: 1_000 }],
            total: 249_000,
            payments: [{ kind: 'cash', amount: 249_000 }],
          },
        }),
      ),
    );
    ok(await w.execute({ ...sale(30_000), payments: [{ kind: 'card', amount: 30_000 }] }));
    ok(await w.execute({ ...sale(20_000), operation: 'saleReturn' }));
    ok(await w.execute({ type: 'cash.out', amount: 50_000 }));

    const x = ok(await w.execute({ type: 'report.x' }));
    expect(x).toMatchObject({
      type: 'report.x',
      shiftNumber: 118,
      documentNumber: 6,
      shift: { number: 118, open: true },
    });
    const expected = {
      cashBalance: 100_000 + 249_000 - 20_000 - 50_000,
      countSales: 2,
      sumSales: 279_000,
      countReturns: 1,
      sumReturns: 20_000,
      discountSumSales: 1_000,
      countInsert: 1,
      sumInsert: 100_000,
      countRemove: 1,
      sumRemove: 50_000,
      progressiveTotalSales: 72_798_698 + 279_000,
      progressiveTotalReturns: 3_127_600 + 20_000,
    };
    expect(x.counters).toMatchObject(expected);

    const z = ok(await w.execute({ type: 'shift.close', cashier: 'Сидр Петров' }));
    expect(z).toMatchObject({
      type: 'shift.close',
      shiftNumber: 118,
      documentNumber: 7,
      shift: { number: 118, open: false },
    });
    expect(z.counters).toMatchObject(expected);
    expect(z.shift?.closedAt).toBeDefined();
    expect(z.shift?.openedAt).toBeDefined();
    const journal = await w.journal();
    expect(journal.map((e) => e.kind).slice(-2)).toEqual(['xreport', 'zreport']);
    expect((await w.state()).shiftOpen).toBe(false);
    expect(w.checkpoints.at(-1)).toMatchObject({
      method: 'ZXReport',
      shiftNumber: 118,
      shiftOpen: true,
      shiftDocumentNumber: 6,
      request: { report_type: 0 },
    });

    const lastZ = ok(await w.execute({ type: 'report.z' }));
    expect(lastZ).toMatchObject({
      type: 'report.z',
      shiftNumber: 118,
      documentNumber: 7,
      shift: { number: 118, open: false },
    });
    expect(lastZ.counters).toEqual(z.counters);
    expect(await w.journal()).toHaveLength(journal.length);

    // A new shift opened by a document: report.z still reads the last closed one.
    ok(await w.execute(sale(1_000)));
    expect(ok(await w.execute({ type: 'report.z' }))).toMatchObject({ shiftNumber: 118, counters: expected });
  });

  it('shift.forceClose closes the open shift with a Z report; a closed shift answers SHIFT_NOT_OPEN without a call', async () => {
    ok(await w.execute(sale(1_000)));
    const closed = ok(await w.execute({ type: 'shift.forceClose' }));
    expect(closed).toMatchObject({ type: 'shift.forceClose', shiftNumber: 118, shift: { open: false } });
    const before = (await w.journal()).length;
    const checkpoints = w.checkpoints.length;
    expect(err(await w.execute({ type: 'shift.close' })).code).toBe('SHIFT_NOT_OPEN');
    expect(err(await w.execute({ type: 'report.x' })).code).toBe('SHIFT_NOT_OPEN');
    expect(await w.journal()).toHaveLength(before);
    expect(w.checkpoints).toHaveLength(checkpoints);
  });

  it('report.z without any closed shift in the journal is NOT_FOUND', async () => {
    expect(err(await w.execute({ type: 'report.z' })).code).toBe('NOT_FOUND');
  });

  it('register.info: identity, shift, counters of the open shift, health', async () => {
    ok(await w.execute({ type: 'cash.in', amount: 70_000 }));
    ok(await w.execute(sale(12_345)));
    ok(await w.execute({ ...sale(2_345), operation: 'saleReturn' }));
    const info = ok(await w.execute({ type: 'register.info' }));
    expect(info.identity).toEqual({
      kind: 'cash-core',
      serialNumber: 'ISCR1018036404743',
      registrationNumber: '010100134464',
      inn: '910812450255',
      organization: 'ЧН ГЕОРГИАДИ ЛИЛИЯ ГЕННАДЬЕВНА',
      registerName: 'Test_6923',
      currency: 'KZT',
    });
    expect(info).toMatchObject({
      shiftNumber: 118,
      documentNumber: 3,
      cashier: 'Administrator',
      offline: false,
    });
    expect(info.shift).toMatchObject({ number: 118, open: true });
    expect(info.counters).toMatchObject({
      cashBalance: 80_000,
      countSales: 1,
      sumSales: 12_345,
      countReturns: 1,
      sumReturns: 2_345,
      countInsert: 1,
      sumInsert: 70_000,
    });
    expect(info.health).toMatchObject({
      reachable: true,
      cashBalance: 80_000,
      offlineQueue: 0,
      warnings: [],
    });
    expect(w.checkpoints).toHaveLength(3);
    expect(await w.journal()).toHaveLength(3);
  });

  it('operators.sync and operators.list: create, bind, update, unbind or delete', async () => {
    const created = ok(
      await w.execute({
        type: 'operators.sync',
        upsert: [
          { name: 'Кассир Айгуль', role: 'cashier', pin: '5555' },
          { name: 'Старший Ерлан', role: 'seniorCashier', pin: '7777' },
        ],
      }),
    );
    const names = created.operators?.map((o) => [o.name, o.role]);
    expect(names).toEqual([
      ['Administrator', 'administrator'],
      ['Кассир Айгуль', 'cashier'],
      ['Старший Ерлан', 'seniorCashier'],
    ]);
    expect(created.operators?.some((o) => 'pin' in o)).toBe(false);
    expect(JSON.stringify(created.raw)).not.toContain('5555');
    let state = await w.state();
    const aigul = state.operators.find((o) => o.name === 'Кассир Айгуль');
    expect(aigul).toMatchObject({ role: 3, accessPin: '5555' });
    expect(state.registers[0]?.bindings).toEqual(expect.arrayContaining([aigul?.id]));
    // The checkpoint never carries PINs.
    expect(JSON.stringify(w.checkpoints)).not.toContain('5555');
    expect(w.checkpoints[0]).toMatchObject({ method: 'SaveOperator/DeleteOperator' });

    // The cashier can work: her PIN registers a receipt signed with her name.
    const asAigul = w.driverWith({ accessCode: '5555' });
    expect(ok(await w.execute(sale(1_000), asAigul)).cashier).toBe('Кассир Айгуль');

    // Update by code (role, PIN kept), delete the other by code.
    const erlan = state.operators.find((o) => o.name === 'Старший Ерлан');
    const synced = ok(
      await w.execute({
        type: 'operators.sync',
        upsert: [{ code: aigul?.id, name: 'Кассир Айгуль', role: 'seniorCashier' }],
        delete: [erlan?.id ?? -1],
      }),
    );
    expect(synced.operators?.map((o) => [o.name, o.role])).toEqual([
      ['Administrator', 'administrator'],
      ['Кассир Айгуль', 'seniorCashier'],
    ]);
    state = await w.state();
    expect(state.operators.find((o) => o.id === aigul?.id)).toMatchObject({ role: 2, accessPin: '5555' });
    expect(state.operators.some((o) => o.id === erlan?.id)).toBe(false);

    const listed = ok(await w.execute({ type: 'operators.list' }));
    expect(listed.operators).toEqual(synced.operators);

    // Running the same sync again changes nothing and sends nothing.
    const checkpoints = w.checkpoints.length;
    ok(
      await w.execute({
        type: 'operators.sync',
        upsert: [{ code: aigul?.id, name: 'Кассир Айгуль', role: 'seniorCashier' }],
        delete: [erlan?.id ?? -1],
      }),
    );
    expect(w.checkpoints).toHaveLength(checkpoints);

    // A new cashier without a PIN cannot be created.
    expect(
      err(await w.execute({ type: 'operators.sync', upsert: [{ name: 'Без PIN', role: 'cashier' }] })).code,
    ).toBe('INVALID_REQUEST');
  });

  it('receipt.image: the PNG of a document, by numbers, by fiscal id and the last one', async () => {
    const receipt = ok(await w.execute(sale(99_900)));
    ok(await w.execute({ type: 'cash.in', amount: 1_000 }));
    const byFiscal = ok(
      await w.execute({
        type: 'receipt.image',
        document: { fiscalId: receipt.fiscalId ?? '' },
        widthPx: 576,
      }),
    );
    expect(byFiscal).toMatchObject({ shiftNumber: 118, documentNumber: 1, fiscalId: receipt.fiscalId });
    expect(byFiscal.image?.contentType).toBe('image/png');
    expect(pngOf(byFiscal.image?.base64 ?? '').width).toBe(576);
    const byNumbers = ok(
      await w.execute({ type: 'receipt.image', document: { shiftNumber: 118, documentNumber: 1 } }),
    );
    expect(pngOf(byNumbers.image?.base64 ?? '').width).toBe(384);
    const last = ok(await w.execute({ type: 'receipt.image', document: { last: true } }));
    expect(last).toMatchObject({ shiftNumber: 118, documentNumber: 2 });
    expect(err(await w.execute({ type: 'receipt.image', document: { fiscalId: '999' } })).code).toBe(
      'NOT_FOUND',
    );
    expect(
      err(await w.execute({ type: 'receipt.image', document: { shiftNumber: 118, documentNumber: 9 } })),
    ).toMatchObject({
      code: 'NOT_FOUND',
      device: { code: 43 },
    });
  });

  it('receipt.reprint is NOT_SUPPORTED (seed 003 has no call that prints a copy); nothing is printed or registered', async () => {
    const receipt = ok(await w.execute(sale(5_000)));
    for (const document of [{ fiscalId: receipt.fiscalId ?? '' }, { last: true as const }]) {
      const error = err(await w.execute({ type: 'receipt.reprint', document }));
      expect(error.code).toBe('NOT_SUPPORTED');
      expect(error.message).toMatch(/seed 003/);
    }
    // The duplicate's picture stays available as an image.
    const image = ok(
      await w.execute({ type: 'receipt.image', document: { fiscalId: receipt.fiscalId ?? '' } }),
    );
    expect(image.image?.base64.length).toBeGreaterThan(100);
    expect(await w.journal()).toHaveLength(1);
  });

  it('payment.cancel is NOT_SUPPORTED: the cloud refunds a card payment as a sale return', async () => {
    const error = err(await w.execute({ type: 'payment.cancel', rrn: 'LINK_917113269868', amount: 2469 }));
    expect(error.code).toBe('NOT_SUPPORTED');
    expect(error.message).toContain('возврат');
  });
});

describe('CashCoreDriver: errors', () => {
  it('a wrong PIN is INVALID_CREDENTIALS (5) and the device stays reachable', async () => {
    const intruder = w.driverWith({ accessCode: '9999' });
    const error = err(await w.execute(sale(1_000), intruder));
    expect(error).toMatchObject({
      code: 'INVALID_CREDENTIALS',
      device: { kind: 'cash-core', code: 5, constant: 'invalid_access_code' },
    });
    expect(await w.journal()).toHaveLength(0);
    const health = await intruder.status();
    expect(health).toMatchObject({ reachable: true, lastError: { code: 'INVALID_CREDENTIALS' } });
  });

  it('not enough cash is INSUFFICIENT_CASH with device code 58 and its text', async () => {
    ok(await w.execute({ type: 'cash.in', amount: 10_000 }));
    const error = err(await w.execute({ type: 'cash.out', amount: 10_001 }));
    expect(error.code).toBe('INSUFFICIENT_CASH');
    expect(error.device).toMatchObject({ kind: 'cash-core', code: 58, constant: 'not_enough_cash' });
    expect(error.device?.text).toContain('100');
    expect(error.message).toContain('недостаточно наличных');
    // A sale return paid in cash needs the cash too.
    expect(err(await w.execute({ ...sale(20_000), operation: 'saleReturn' })).device?.code).toBe(58);
    expect(await w.journal()).toHaveLength(1);
  });

  it('a shift older than 24 h refuses documents (SHIFT_TOO_LONG, 31); the Z report still closes it', async () => {
    ok(await w.execute(sale(1_000)));
    await w.advance(25 * HOUR);
    const error = err(await w.execute(sale(1_000)));
    expect(error).toMatchObject({ code: 'SHIFT_TOO_LONG', device: { code: 31 } });
    const health = await w.driver.status();
    expect(health.warnings).toEqual(expect.arrayContaining(['shiftTooLong']));
    expect(health.shiftHoursLeft).toBeLessThan(0);
    ok(await w.execute({ type: 'shift.close' }));
    expect(ok(await w.execute(sale(1_000))).shiftNumber).toBe(119);
  });

  it('invalid items and discounts are refused by the core with their codes', async () => {
    const wrongSum = err(
      await w.execute({
        ...sale(1_000),
        items: [{ name: 'A', quantity: 2000, price: 1_000, sum: 1_000 }],
        total: 1_000,
      }),
    );
    expect(wrongSum).toMatchObject({ code: 'INVALID_ITEMS', device: { code: 95 } });
    const bigDiscount = err(
      await w.execute({
        ...sale(1_000),
        items: [{ name: 'A', quantity: 1000, price: 1_000, sum: 1_000, discount: 1_000 }],
        total: 0,
        payments: [{ kind: 'cash', amount: 0 }],
      }),
    );
    expect(bigDiscount).toMatchObject({ code: 'INVALID_DISCOUNT', device: { code: 59 } });
    const both = err(
      await w.execute({
        ...sale(1_000),
        items: [{ name: 'A', quantity: 1000, price: 1_000, sum: 1_000, discount: 100, markup: 100 }],
      }),
    );
    expect(both).toMatchObject({ code: 'INVALID_DISCOUNT', device: { code: 65 } });
    const mismatch = err(
      await w.execute({ ...sale(1_000), total: 999, payments: [{ kind: 'cash', amount: 1_000 }] }),
    );
    expect(mismatch).toMatchObject({ code: 'TOTAL_MISMATCH', device: { code: 52 } });
    const short = err(await w.execute({ ...sale(1_000), payments: [{ kind: 'card', amount: 500 }] }));
    expect(short).toMatchObject({ code: 'PAYMENT_INSUFFICIENT', device: { code: 57 } });
    const taxes = err(
      await w.execute({
        ...sale(1_000),
        items: [{ name: 'A', quantity: 1000, price: 1_000, sum: 1_000, taxes: [{ rate: 12_000 }] }],
        taxes: [{ rate: 12_000 }],
      }),
    );
    expect(taxes).toMatchObject({ code: 'TAX_ERROR', device: { code: 88 } });
    const sameIin = err(await w.execute({ ...sale(1_000), customerIinBin: '910812450255' }));
    expect(sameIin).toMatchObject({ code: 'SAME_TAXPAYER_AND_CUSTOMER', device: { code: 77 } });
    expect(await w.journal()).toHaveLength(0);
  });

  it('an unsupported payment kind is refused without calling the device', async () => {
    // Any device call would consume this fault.
    await w.fault({ kind: 'error', code: 1 });
    const error = err(await w.execute({ ...sale(1_000), payments: [{ kind: 'bonuses', amount: 1_000 }] }));
    expect(error.code).toBe('PAYMENT_TYPE_UNSUPPORTED');
    expect(error.message).toContain('bonuses');
    expect((await w.state()).faults).toHaveLength(1);
    expect(w.checkpoints).toHaveLength(0);
    expect(await w.journal()).toHaveLength(0);
  });

  it('a blocked register refuses (REGISTER_BLOCKED, 62) and status warns ofdBlocked', async () => {
    await w.control('POST', '/register', { blocked: true, blockedInfo: 'заблокирована ОФД' });
    const error = err(await w.execute(sale(1_000)));
    expect(error).toMatchObject({ code: 'REGISTER_BLOCKED', device: { code: 62 } });
    expect(error.device?.text).toContain('заблокирована ОФД');
    expect((await w.driver.status()).warnings).toContain('ofdBlocked');
  });

  it('an unknown register is REGISTER_NOT_CONFIGURED', async () => {
    const other = w.driverWith({ kkmOfdId: 1 });
    expect(err(await w.execute({ type: 'register.info' }, other)).code).toBe('REGISTER_NOT_CONFIGURED');
    expect(err(await w.execute(sale(1_000), other)).code).toBe('REGISTER_NOT_CONFIGURED');
  });

  it('an unreachable device (closed port) is REGISTER_UNREACHABLE at once', async () => {
    const port = await freePort();
    const driver = new CashCoreDriver({
      baseUrl: `http://127.0.0.1:${port}`,
      accessCode: ADMIN_PIN,
      kkmOfdId: KKM,
      timeoutMs: 5_000,
    });
    const started = Date.now();
    const error = err(await driver.execute(sale(1_000), w.context));
    expect(error).toMatchObject({ code: 'REGISTER_UNREACHABLE', retryable: true });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(w.checkpoints).toHaveLength(0);
    const health = await driver.status();
    expect(health).toMatchObject({ reachable: false, lastError: { code: 'REGISTER_UNREACHABLE' } });
  });

  it('a read that times out is DEVICE_TIMEOUT', async () => {
    const impatient = w.driverWith({ timeoutMs: 200 });
    await w.fault({ kind: 'delay', delayMs: 1_000, match: 'GetKKMList' });
    expect(err(await w.execute({ type: 'register.info' }, impatient))).toMatchObject({
      code: 'DEVICE_TIMEOUT',
      retryable: true,
    });
  });
});

describe('CashCoreDriver: lost answers and reconciliation', () => {
  it('timeout on TradeOperation → RESULT_UNKNOWN; reconciled at once it is in doubt while the call runs, then done', async () => {
    const impatient = w.driverWith({ timeoutMs: 300 });
    await w.fault({ kind: 'delay', delayMs: 1_200, match: 'TradeOperation' });
    const command = sale(42_000);
    expect(err(await w.execute(command, impatient))).toMatchObject({ code: 'RESULT_UNKNOWN' });
    // At once, as the agent does: the call is still running on the core, which answers 66.
    const first = await impatient.reconcile(w.reconcileEntry(command));
    expect(first).toMatchObject({ state: 'inDoubt' });
    expect(first.state === 'inDoubt' && first.evidence).toContain('66');
    expect(first.state === 'inDoubt' && first.needs).toBeUndefined();
    expect(await w.journal()).toHaveLength(0);
    let verdict = first;
    for (let attempt = 1; verdict.state === 'inDoubt' && attempt < 50; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      verdict = await impatient.reconcile(w.reconcileEntry(command, undefined, attempt));
    }
    expect(verdict.state).toBe('done');
    const journal = await w.journal();
    expect(journal).toHaveLength(1);
    if (verdict.state === 'done')
      expect(ok(verdict.outcome)).toMatchObject({
        fiscalId: journal[0]?.fiscalNumber,
        total: 42_000,
        replayed: true,
      });
  });

  it('commit-then-drop on TradeOperation → RESULT_UNKNOWN, reconcile → done with the journal fiscal id, exactly one receipt', async () => {
    ok(await w.execute(sale(3_000)));
    // Another document between: the reconcile must pick the one matching the command.
    await w.fault({ kind: 'commit-then-drop', match: 'TradeOperation' });
    const command = {
      ...sale(15_000, { paid: 20_000 }),
      items: [{ name: 'Хлеб', quantity: 3000, price: 5_000, sum: 15_000 }],
    };
    expect(err(await w.execute(command))).toMatchObject({ code: 'RESULT_UNKNOWN' });
    const checkpoint = w.checkpoints.at(-1);
    expect(checkpoint).toMatchObject({
      shiftNumber: 118,
      shiftOpen: true,
      shiftDocumentNumber: 1,
      method: 'TradeOperation',
    });
    ok(await w.execute({ type: 'cash.in', amount: 15_000 }));

    const verdict = await w.driver.reconcile(w.reconcileEntry(command, checkpoint));
    expect(verdict.state).toBe('done');
    const journal = await w.journal();
    const sales = journal.filter((e) => e.kind === 'sale' && e.total === 15_000);
    expect(sales).toHaveLength(1);
    if (verdict.state !== 'done') return;
    const result = ok(verdict.outcome);
    expect(result).toMatchObject({
      type: 'receipt',
      fiscalId: sales[0]?.fiscalNumber,
      shiftNumber: 118,
      documentNumber: 2,
      total: 15_000,
      change: 5_000,
      cashier: 'Administrator',
      replayed: true,
      offline: false,
    });
    expect(result.qrPayload).toContain(`i=${sales[0]?.fiscalNumber}&`);
    expect(result.checkNumber).toBe(1005);
    // Asking again changes nothing.
    const again = await w.driver.reconcile(w.reconcileEntry(command, checkpoint));
    expect(again.state === 'done' && ok(again.outcome).fiscalId).toBe(sales[0]?.fiscalNumber);
    expect((await w.journal()).filter((e) => e.kind === 'sale')).toHaveLength(2);
  });

  it('commit-then-drop on the first receipt of a closed shift: found in the next shift', async () => {
    await w.fault({ kind: 'commit-then-drop', match: 'TradeOperation' });
    const command = { ...sale(8_000), payments: [{ kind: 'card' as const, amount: 8_000 }] };
    expect(err(await w.execute(command)).code).toBe('RESULT_UNKNOWN');
    expect(w.checkpoints.at(-1)).toMatchObject({
      shiftNumber: 118,
      shiftOpen: false,
      shiftDocumentNumber: 0,
    });
    const verdict = await w.driver.reconcile(w.reconcileEntry(command));
    expect(verdict.state === 'done' && ok(verdict.outcome)).toMatchObject({
      shiftNumber: 118,
      documentNumber: 1,
      total: 8_000,
    });
  });

  it('different documents after the checkpoint are not ours, but the counters moved: in doubt, never notDone', async () => {
    await w.fault({ kind: 'drop', match: 'TradeOperation' });
    const command = sale(7_000);
    expect(err(await w.execute(command)).code).toBe('RESULT_UNKNOWN');
    // Someone else sells a different amount, and the same amount by card.
    ok(await w.execute(sale(7_100)));
    ok(await w.execute({ ...sale(7_000), payments: [{ kind: 'card', amount: 7_000 }] }));
    const verdict = await w.driver.reconcile(w.reconcileEntry(command, w.checkpoints[0]));
    expect(verdict.state).toBe('inDoubt');
    if (verdict.state !== 'inDoubt') return;
    // The evidence names both candidates and what differs.
    expect(verdict.evidence).toContain('total 71.00 ≠ 70.00');
    expect(verdict.evidence).toContain('payment type 1 70.00 not sent');
    // Once the processing window is over, an operator has to decide; still never notDone.
    passWindow();
    const later = await w.driver.reconcile(w.reconcileEntry(command, w.checkpoints[0], 1));
    expect(later).toMatchObject({ state: 'inDoubt', needs: 'operator' });
  });

  it('drop (nothing committed) → RESULT_UNKNOWN, in doubt inside the processing window, then notDone, no receipt', async () => {
    await w.fault({ kind: 'drop', match: 'TradeOperation' });
    const command = sale(9_000);
    expect(err(await w.execute(command))).toMatchObject({ code: 'RESULT_UNKNOWN' });
    const early = await w.driver.reconcile(w.reconcileEntry(command));
    expect(early).toMatchObject({ state: 'inDoubt' });
    expect(early.state === 'inDoubt' && early.evidence).toContain('processing window');
    passWindow();
    const verdict = await w.driver.reconcile(w.reconcileEntry(command, undefined, 1));
    expect(verdict).toMatchObject({ state: 'notDone' });
    expect(await w.journal()).toHaveLength(0);
  });

  it('money placement lost answer: commit-then-drop → done, drop → notDone', async () => {
    await w.fault({ kind: 'commit-then-drop', match: 'MoneyPlacement' });
    const deposit = { type: 'cash.in' as const, amount: 55_500 };
    expect(err(await w.execute(deposit)).code).toBe('RESULT_UNKNOWN');
    const done = await w.driver.reconcile(w.reconcileEntry(deposit));
    expect(done.state === 'done' && ok(done.outcome)).toMatchObject({
      type: 'cash.in',
      total: 55_500,
      shiftNumber: 118,
      documentNumber: 1,
    });

    await w.fault({ kind: 'drop', match: 'MoneyPlacement' });
    const withdrawal = { type: 'cash.out' as const, amount: 5_000 };
    expect(err(await w.execute(withdrawal)).code).toBe('RESULT_UNKNOWN');
    expect((await w.driver.reconcile(w.reconcileEntry(withdrawal))).state).toBe('inDoubt');
    passWindow();
    expect((await w.driver.reconcile(w.reconcileEntry(withdrawal))).state).toBe('notDone');
    expect((await w.journal()).map((e) => e.kind)).toEqual(['deposit']);
  });

  it('Z report lost answer: done when the shift closed, with the counters; notDone when still open', async () => {
    ok(await w.execute(sale(11_000)));
    await w.fault({ kind: 'drop', match: 'ZXReport' });
    expect(err(await w.execute({ type: 'shift.close' })).code).toBe('RESULT_UNKNOWN');
    expect((await w.driver.reconcile(w.reconcileEntry({ type: 'shift.close' }))).state).toBe('inDoubt');
    passWindow();
    expect((await w.driver.reconcile(w.reconcileEntry({ type: 'shift.close' }))).state).toBe('notDone');

    await w.fault({ kind: 'commit-then-drop', match: 'ZXReport' });
    expect(err(await w.execute({ type: 'shift.close' })).code).toBe('RESULT_UNKNOWN');
    const zCheckpoint = w.checkpoints.at(-1);
    const verdict = await w.driver.reconcile(w.reconcileEntry({ type: 'shift.close' }, zCheckpoint));
    expect(verdict.state).toBe('done');
    if (verdict.state === 'done') {
      expect(ok(verdict.outcome)).toMatchObject({
        type: 'shift.close',
        shiftNumber: 118,
        documentNumber: 2,
        shift: { open: false },
        counters: { countSales: 1, sumSales: 11_000, cashBalance: 11_000 },
        replayed: true,
      });
    }
    expect((await w.journal()).filter((e) => e.kind === 'zreport')).toHaveLength(1);
    // Still done after a new shift has opened.
    ok(await w.execute(sale(1_000)));
    expect((await w.driver.reconcile(w.reconcileEntry({ type: 'shift.close' }, zCheckpoint))).state).toBe(
      'done',
    );
  });

  it('X report lost answer is found by type', async () => {
    ok(await w.execute(sale(1_000)));
    await w.fault({ kind: 'commit-then-drop', match: 'ZXReport' });
    expect(err(await w.execute({ type: 'report.x' })).code).toBe('RESULT_UNKNOWN');
    const verdict = await w.driver.reconcile(w.reconcileEntry({ type: 'report.x' }));
    expect(verdict.state === 'done' && ok(verdict.outcome)).toMatchObject({
      type: 'report.x',
      documentNumber: 2,
      counters: { countSales: 1 },
    });
  });

  it('operators.sync lost answer: reconcile compares the operators with the command', async () => {
    await w.fault({ kind: 'commit-then-drop', match: 'SaveOperator' });
    const command = {
      type: 'operators.sync' as const,
      upsert: [{ name: 'Кассир Дана', role: 'cashier' as const, pin: '2468' }],
    };
    expect(err(await w.execute(command)).code).toBe('RESULT_UNKNOWN');
    const done = await w.driver.reconcile(w.reconcileEntry(command));
    expect(done.state === 'done' && ok(done.outcome).operators?.map((o) => o.name)).toContain('Кассир Дана');

    await w.fault({ kind: 'drop', match: 'SaveOperator' });
    const other = {
      type: 'operators.sync' as const,
      upsert: [{ name: 'Кассир Нурлан', role: 'cashier' as const, pin: '1357' }],
    };
    expect(err(await w.execute(other)).code).toBe('RESULT_UNKNOWN');
    expect((await w.driver.reconcile(w.reconcileEntry(other))).state).toBe('notDone');
  });

  it('no checkpoint → notDone; device down → inDoubt; never a device write', async () => {
    expect((await w.driver.reconcile(w.reconcileEntry(sale(1_000), undefined))).state).toBe('notDone');
    await w.fault({ kind: 'commit-then-drop', match: 'TradeOperation' });
    const command = sale(4_000);
    expect(err(await w.execute(command)).code).toBe('RESULT_UNKNOWN');
    const entry = w.reconcileEntry(command);
    await w.close();
    const verdict = await w.driver.reconcile(entry);
    expect(verdict.state).toBe('inDoubt');
    expect(verdict.state === 'inDoubt' && verdict.evidence).toContain('cannot read');
  });

  it('a checkpoint that cannot be stored stops the call', async () => {
    const error = err(
      await w.driver.execute(sale(1_000), {
        commandId: 'c',
        checkpoint: () => {
          throw new Error('disk full');
        },
      }),
    );
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toContain('disk full');
    expect(await w.journal()).toHaveLength(0);
  });
});

describe('CashCoreDriver: status', () => {
  it('reports shift, hours left, cash, identity; warns near the 24 h limit', async () => {
    // A register without any Z report: GetKKMList's number is taken for the closed shift ("last").
    await w.readings({ closedShift: 'last' });
    const closed = await w.driver.status();
    expect(registerHealthSchema.parse(closed)).toBeTruthy();
    expect(closed).toMatchObject({
      reachable: true,
      shift: { number: 117, open: false },
      cashBalance: 0,
      offlineQueue: 0,
      warnings: [],
    });
    expect(closed.shiftHoursLeft).toBeUndefined();

    ok(await w.execute({ type: 'cash.in', amount: 123_456 }));
    const open = await w.driver.status();
    expect(open).toMatchObject({ reachable: true, shift: { number: 118, open: true }, cashBalance: 123_456 });
    expect(open.shift?.openedAt).toBeDefined();
    expect(Math.abs(Date.parse(open.shift?.openedAt ?? '') - Date.now())).toBeLessThan(5_000);
    expect(open.shiftHoursLeft).toBeGreaterThan(23.9);
    expect(open.identity).toMatchObject({
      serialNumber: 'ISCR1018036404743',
      registrationNumber: '010100134464',
    });

    await w.advance(21 * HOUR);
    const near = await w.driver.status();
    expect(near.warnings).toEqual(['shiftNearLimit']);
    expect(near.shiftHoursLeft).toBeCloseTo(3, 0);
  });

  it('offline: the autonomous documents are the queue, offlineSince is set; after 72 h offlineTooLong', async () => {
    await w.control('POST', '/offline', { offline: true });
    const receipt = ok(await w.execute(sale(2_000)));
    expect(receipt.offline).toBe(true);
    ok(await w.execute({ type: 'cash.in', amount: 1_000 }));
    const health = await w.driver.status();
    expect(health).toMatchObject({ reachable: true, offlineQueue: 2 });
    expect(health.warnings).toContain('offlineQueue');
    expect(health.offlineSince).toBeDefined();

    await w.advance(73 * HOUR);
    const late = await w.driver.status();
    expect(late.warnings).toEqual(expect.arrayContaining(['offlineQueue', 'offlineTooLong', 'shiftTooLong']));

    await w.control('POST', '/offline', { offline: false });
    const back = await w.driver.status();
    expect(back).toMatchObject({ offlineQueue: 0 });
    expect(back.offlineSince).toBeUndefined();
  });

  it('never throws: a device that does not answer is unreachable with the error', async () => {
    const impatient = w.driverWith({ timeoutMs: 200 });
    await w.fault({ kind: 'delay', delayMs: 1_000, match: 'Ping' });
    const health = await impatient.status();
    expect(health).toMatchObject({ reachable: false, lastError: { code: 'DEVICE_TIMEOUT' } });
    // Once it answers again, the transport error is gone.
    await waitFor(async () => (await w.state()).faults.length === 0, 5_000, 'the faults to be used up');
    const back = await impatient.status();
    expect(back.reachable).toBe(true);
    expect(back.lastError).toBeUndefined();
    await w.close();
    const down = await w.driver.status();
    expect(down).toMatchObject({ reachable: false, lastError: { code: 'REGISTER_UNREACHABLE' } });
  });

  it('the last device error stays in the health until a command succeeds', async () => {
    await w.fault({ kind: 'error', code: 79, match: 'TradeOperation' });
    expect(err(await w.execute(sale(1_000))).code).toBe('LICENSE_ERROR');
    const health = await w.driver.status();
    expect(health.warnings).toContain('licenseProblem');
    expect(health.lastError).toMatchObject({ code: 'LICENSE_ERROR', device: { code: 79 } });
    ok(await w.execute(sale(1_000)));
    expect((await w.driver.status()).lastError).toBeUndefined();
  });
});
