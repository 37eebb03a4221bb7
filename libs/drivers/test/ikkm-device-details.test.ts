import { afterEach, describe, expect, it } from 'vitest';
import type { CommandOutcome } from '@kassa-relay/protocol';
import { decodeReasonPhrase } from '../src/http/http-client';
import { type IkkmWorld, ikkmWorld, INITIAL_KEY, okResult, recordingProxy, sale } from './helpers/ikkm-world';

/** Issue 10 part 4 for the iKKM: what seed 002 states and the driver used to miss. */
let w: IkkmWorld;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await w.close();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const error = (outcome: CommandOutcome) => {
  if (outcome.ok) throw new Error(`expected an error, got ${JSON.stringify(outcome.result)}`);
  return outcome.error;
};

describe('iKKM amounts: whole tenge unless the device accepts decimals (seed -9 "передавать только цифры")', () => {
  it('an amount with tiyn is refused before anything is sent, with a Russian message', async () => {
    w = await ikkmWorld();
    const cases = [
      sale(1_000_50),
      sale(1_000_00, {
        items: [{ name: 'Чай', quantity: 2000, price: 500_25, sum: 1_000_50, discount: 50 }],
        discount: 0,
      }),
      sale(1_000_00, { payments: [{ kind: 'cash', amount: 1_000_50 }] }),
    ];
    for (const command of cases) {
      const refused = error(await w.driver.execute(command, w.context));
      expect(refused.code).toBe('INVALID_REQUEST');
      expect(refused.message).toMatch(/целых тенге.*тиыны/);
    }
    expect(error(await w.driver.execute({ type: 'cash.out', amount: 100_50 }, w.context)).code).toBe(
      'INVALID_REQUEST',
    );
    expect(w.checkpoints).toHaveLength(0);
    expect(await w.journal()).toHaveLength(0);
  });

  it('whole tenge go as digits; a fractional quantity is fine; same-kind payments are merged in integers', async () => {
    w = await ikkmWorld();
    const command = sale(3_000_00, {
      items: [{ name: 'Сыр', quantity: 1500, price: 2_000_00, sum: 3_000_00 }],
      payments: [
        { kind: 'cash', amount: 1_700_00 },
        { kind: 'cash', amount: 1_300_00 },
      ],
    });
    okResult(await w.driver.execute(command, w.context));
    const checkpoint = w.latest();
    expect(checkpoint?.kind === 'ikkm' && checkpoint.params).toMatchObject({ sale: '3000', cash: '3000' });
    expect(JSON.parse(checkpoint?.kind === 'ikkm' ? (checkpoint.params['itemdata'] ?? '') : '')).toEqual([
      { name: 'Сыр', price: '2000', qty: '1.5', sum: '3000' },
    ]);
    expect((await w.journal())[0]).toMatchObject({ total: 3_000_00, payments: { cash: 3_000_00 } });
  });

  it('acceptsDecimals: tiyn go through exactly (0.29 + 0.01 in cash is 0.3; 0.29 × 100 is not 29 in floats)', async () => {
    w = await ikkmWorld({ driver: { acceptsDecimals: true }, simAcceptDecimals: true });
    const command = sale(30, {
      items: [{ name: 'Спички', quantity: 1000, price: 30, sum: 30 }],
      payments: [
        { kind: 'cash', amount: 29 },
        { kind: 'cash', amount: 1 },
      ],
    });
    okResult(await w.driver.execute(command, w.context));
    const checkpoint = w.latest();
    expect(checkpoint?.kind === 'ikkm' && checkpoint.params).toMatchObject({ sale: '0.3', cash: '0.3' });
    expect((await w.journal())[0]).toMatchObject({ total: 30, payments: { cash: 30 } });
  });

  it('a device that refuses decimals still answers -9 if the driver is told it accepts them', async () => {
    w = await ikkmWorld({ driver: { acceptsDecimals: true } });
    const refused = error(await w.driver.execute(sale(1_000_50), w.context));
    expect(refused).toMatchObject({ code: 'INVALID_REQUEST', device: { code: -9 } });
    expect(refused.device?.text).toBe('ошибка значений параметров');
    expect(await w.journal()).toHaveLength(0);
  });
});

describe('iKKM returns: cash only (seed line 26)', () => {
  it('a card refund is refused before sending and not advertised', async () => {
    w = await ikkmWorld();
    expect(w.driver.capabilities().returnPaymentKinds).toEqual(['cash']);
    for (const operation of ['saleReturn', 'buyReturn'] as const) {
      const refund = sale(1_000_00, { operation, payments: [{ kind: 'card', amount: 1_000_00 }] });
      expect(error(await w.driver.execute(refund, w.context)).code).toBe('PAYMENT_TYPE_UNSUPPORTED');
    }
    const moreCash = sale(1_000_00, {
      operation: 'buyReturn',
      payments: [{ kind: 'cash', amount: 1_500_00 }],
    });
    expect(error(await w.driver.execute(moreCash, w.context)).code).toBe('INVALID_REQUEST');
    expect(w.checkpoints).toHaveLength(0);
    okResult(await w.driver.execute(sale(1_000_00, { operation: 'buyReturn' }), w.context));
    expect((await w.journal()).map((entry) => entry.kind)).toEqual(['buyReturn']);
  });
});

describe('iKKM methods and answers', () => {
  it('GET where the seed shows only GET URLs (Z, X, deposit, withdraw, printLastDocument); /api stays POST', async () => {
    const proxy = await recordingProxy();
    cleanups.push(proxy.close);
    w = await ikkmWorld({ baseUrl: (simUrl) => ((proxy.target.url = simUrl), proxy.url) });
    okResult(await w.driver.execute({ type: 'cash.in', amount: 5_000_00 }, w.context));
    okResult(await w.driver.execute(sale(1_000_00), w.context));
    okResult(await w.driver.execute({ type: 'cash.out', amount: 1_000_00 }, w.context));
    okResult(await w.driver.execute({ type: 'report.x' }, w.context));
    okResult(await w.driver.execute({ type: 'receipt.reprint', document: { last: true } }, w.context));
    okResult(await w.driver.execute({ type: 'shift.close' }, w.context));
    const writes = proxy.requests.filter((request) => !/^\/(dump|apicheck\/getInfo)/.test(request.path));
    expect(writes.map((request) => `${request.method} ${request.path}`)).toEqual([
      'GET /apideposit',
      'POST /api',
      'GET /apiwithdraw',
      'GET /apixreport',
      'GET /apicheck/printLastDocument',
      'GET /apizreport',
    ]);
    // The checkpoints record the method, so a repeat is the same request.
    expect(
      w.checkpoints.map((checkpoint) =>
        checkpoint.kind === 'ikkm' ? `${checkpoint.method} ${checkpoint.path}` : '',
      ),
    ).toEqual(['GET /apideposit', 'POST /api', 'GET /apiwithdraw', 'GET /apizreport']);
  });

  it('Z and X answer no body: Z is confirmed through getInfo, X by its 2xx', async () => {
    w = await ikkmWorld();
    okResult(await w.driver.execute(sale(1_000_00), w.context));
    const x = okResult(await w.driver.execute({ type: 'report.x' }, w.context));
    expect(x.counters?.sumSales).toBe(1_000_00);
    const z = okResult(await w.driver.execute({ type: 'shift.close' }, w.context));
    expect(z).toMatchObject({ shiftNumber: 1, shift: { open: false } });
    expect(z.counters?.sumSales).toBe(1_000_00);
    expect((await w.journal()).map((entry) => entry.kind)).toEqual(['sale', 'xreport', 'zreport']);
  });

  it('printLastDocument after a reboot: -7 means the device restarted', async () => {
    w = await ikkmWorld();
    okResult(await w.driver.execute(sale(1_000_00), w.context));
    await w.control('POST', '/reboot');
    const refused = error(
      await w.driver.execute({ type: 'receipt.reprint', document: { last: true } }, w.context),
    );
    expect(refused.code).toBe('NOT_FOUND');
    expect(refused.message).toContain('перезагружена');
  });

  it('a Z refused by the device is not performed; busy is REGISTER_BUSY', async () => {
    w = await ikkmWorld();
    okResult(await w.driver.execute(sale(1_000_00), w.context));
    await w.control('POST', '/faults', { kind: 'error', code: -6, match: '/apizreport' });
    expect(error(await w.driver.execute({ type: 'shift.close' }, w.context)).code).toBe('PRINTER_NOT_READY');
    await w.control('POST', '/faults', { kind: 'error', code: -2, match: '/apizreport' });
    expect(error(await w.driver.execute({ type: 'shift.close' }, w.context)).code).toBe('REGISTER_BUSY');
    expect((await w.journal()).filter((entry) => entry.kind === 'zreport')).toHaveLength(0);
  });
});

describe('iKKM stale key and reconciliation rules', () => {
  it('a checkpoint marked staleKey reconciles to notDone without asking the device', async () => {
    w = await ikkmWorld();
    const verdict = await w.driver.reconcile({
      command: sale(1_000_00),
      commandId: 'c1',
      checkpoint: {
        kind: 'ikkm',
        keyUsed: INITIAL_KEY,
        path: '/api',
        method: 'POST',
        params: { key: INITIAL_KEY, sale: '1000', cash: '1000' },
        staleKey: { answeredKey: '22223333', documentNumber: 7 },
      },
      deadlinePassed: false,
      attempt: 0,
    });
    expect(verdict.state).toBe('notDone');
    expect(await w.journal()).toHaveLength(0);
  });

  it('a checkpoint without a method (written before methods were recorded) is repeated as POST', async () => {
    w = await ikkmWorld();
    await w.control('POST', '/faults', { kind: 'commit-then-drop', match: '/api', count: 1 });
    error(await w.driver.execute(sale(1_000_00), w.context));
    const checkpoint = w.latest();
    if (checkpoint?.kind !== 'ikkm') throw new Error('no checkpoint');
    const { method: _method, ...old } = checkpoint;
    const verdict = await w.driver.reconcile({
      command: sale(1_000_00),
      commandId: 'c1',
      checkpoint: old,
      deadlinePassed: false,
      attempt: 0,
    });
    expect(verdict.state).toBe('done');
    expect(await w.journal()).toHaveLength(1);
  });
});

describe('iKKM driver never throws', () => {
  it('a throw before anything was sent is INTERNAL; after the call it is RESULT_UNKNOWN, then reconciled', async () => {
    let failLoad = true;
    let failSave = false;
    w = await ikkmWorld({
      keyStore: (keys) => ({
        load: () => {
          if (failLoad) throw new Error('key store unavailable');
          return keys[keys.length - 1] as string;
        },
        save: (key) => {
          if (failSave) {
            failSave = false;
            throw new Error('disk full');
          }
          keys.push(key);
        },
      }),
    });
    const before = error(await w.driver.execute(sale(1_000_00), w.context));
    expect(before.code).toBe('INTERNAL');
    expect(w.checkpoints).toHaveLength(0);

    failLoad = false;
    failSave = true;
    const after = error(await w.driver.execute(sale(1_000_00), w.context));
    expect(after.code).toBe('RESULT_UNKNOWN');
    expect(after.message).toContain('disk full');
    const verdict = await w.driver.reconcile({
      command: sale(1_000_00),
      commandId: 'c1',
      checkpoint: w.latest(),
      deadlinePassed: false,
      attempt: 0,
    });
    expect(verdict.state).toBe('done');
    expect(await w.journal()).toHaveLength(1);
    expect(w.keys.at(-1)).toBe(await w.deviceKey());
    expect((await w.driver.status()).reachable).toBe(true);
  });
});

describe('HTTP reason phrase decoding', () => {
  it('decodes UTF-8 bytes handed over as latin1, only when they are valid UTF-8', () => {
    const latin1 = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
    expect(decodeReasonPhrase(latin1('принтер не готов'))).toBe('принтер не готов');
    expect(decodeReasonPhrase('1566')).toBe('1566');
    expect(decodeReasonPhrase('Bad Request')).toBe('Bad Request');
    // Latin-1 text that is not UTF-8 stays as it is.
    expect(decodeReasonPhrase('Caf\u00e9 \u00ff')).toBe('Caf\u00e9 \u00ff');
    expect(decodeReasonPhrase('уже текст')).toBe('уже текст');
  });
});
