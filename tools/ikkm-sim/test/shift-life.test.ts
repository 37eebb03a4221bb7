import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOUR_MS, INITIAL_KEY, startTestDevice, type TestDevice } from './helpers';

let device: TestDevice;
beforeEach(async () => {
  device = await startTestDevice();
});
afterEach(async () => {
  await device.stop();
});

interface SimState {
  now: number;
  offline: boolean;
  key: string;
  shiftOpen: boolean;
  shiftNumber: number;
  messagesQueueSize: number;
}
const state = () => device.control<SimState>('GET', '/_sim/state');

describe('shift life', () => {
  it('the first registration opens the shift for the logged-in cashier', async () => {
    expect(await state()).toMatchObject({ shiftOpen: false, shiftNumber: 0 });
    await device.sell('100');
    expect(await state()).toMatchObject({ shiftOpen: true, shiftNumber: 1 });
    const [shift] = await device.json<{ cashierId: number }[]>('/dump/table/shifts', {
      key: await device.key(),
    });
    expect(shift?.cashierId).toBe(1);
  });

  it('-3 once the shift has been open for more than 24 hours; the Z report clears it', async () => {
    await device.sell('100');
    await device.control('POST', '/_sim/clock', { advanceMs: 24 * HOUR_MS - 60_000 });
    expect((await device.sell('100')).status).toBe(200);
    await device.control('POST', '/_sim/clock', { advanceMs: 2 * 60_000 });
    const key = await device.key();
    expect(await device.call('/api', { key, sale: '100', cash: '100' }, 'POST')).toEqual({
      status: 400,
      statusText: 'смена привысила 24 часа',
      body: '-3',
    });
    expect((await device.call('/apicheck', { key })).body).toBe('-3');
    expect((await device.call('/apideposit', { key, cash: '10' })).body).toBe('-3');
    expect(await device.call('/apizreport', { key })).toMatchObject({ status: 200, body: '' });
    expect((await device.sell('100')).status).toBe(200);
    expect(await state()).toMatchObject({ shiftOpen: true, shiftNumber: 2 });
  });

  it('-4 after more than 72 hours without the OFD; documents made offline are queued and sent on reconnect', async () => {
    await device.control('POST', '/_sim/offline', { offline: true });
    const offlineSale = await device.sell('100');
    expect(offlineSale.status).toBe(200);
    expect(await state()).toMatchObject({ offline: true, messagesQueueSize: 1 });
    const pending = await device.json<{ status: number; submitDate: string; onlineCode: string }>(
      `/dump/transaction/${INITIAL_KEY}`,
      {
        key: offlineSale.body,
      },
    );
    expect(pending).toMatchObject({ status: 0, submitDate: '', onlineCode: '' });

    // Close the shift so that only the offline limit applies.
    await device.call('/apizreport', { key: offlineSale.body });
    await device.control('POST', '/_sim/clock', { advanceMs: 72 * HOUR_MS + 1_000 });
    const key = await device.key();
    expect(await device.call('/api', { key, sale: '100', cash: '100' }, 'POST')).toEqual({
      status: 400,
      statusText: 'офлайн период более 72 часов',
      body: '-4',
    });
    expect((await device.call('/apicheck', { key })).body).toBe('-4');
    const info = await device.json<{ messagesQueueSize: string }>('/apicheck/getInfo', { key });
    expect(info.messagesQueueSize).toBe('1');

    await device.control('POST', '/_sim/offline', { offline: false });
    expect(await state()).toMatchObject({ offline: false, messagesQueueSize: 0 });
    const sent = await device.json<{ status: number; submitDate: string; onlineCode: string }>(
      `/dump/transaction/${INITIAL_KEY}`,
      { key },
    );
    expect(sent.status).toBe(1);
    expect(sent.submitDate).not.toBe('');
    expect(sent.onlineCode).toMatch(/^\d{9}$/);
    expect((await device.sell('100')).status).toBe(200);
  });

  it('offline for less than 72 hours still registers', async () => {
    await device.control('POST', '/_sim/offline', { offline: true });
    await device.control('POST', '/_sim/clock', { advanceMs: 71 * HOUR_MS });
    expect((await device.sell('100')).status).toBe(200);
  });

  it('-11 when the shift was opened by another cashier', async () => {
    await device.sell('100');
    await device.control('POST', '/_sim/device', { cashierId: 100 });
    const key = await device.key();
    expect(await device.call('/api', { key, sale: '100', cash: '100' }, 'POST')).toEqual({
      status: 400,
      statusText: 'смена открыта другим кассиром',
      body: '-11',
    });
    expect((await device.call('/apicheck', { key })).body).toBe('-11');
    // Closing the shift lets the new cashier open their own.
    await device.call('/apizreport', { key });
    expect((await device.sell('100')).status).toBe(200);
    const shifts = await device.control<{ shiftNumber: number; shiftCashierId: number }>(
      'GET',
      '/_sim/state',
    );
    expect(shifts).toMatchObject({ shiftNumber: 2, shiftCashierId: 100 });
  });

  it('-2 for any request that arrives while a registration is in progress', async () => {
    await device.control('POST', '/_sim/faults', { kind: 'delay', match: '/api', delayMs: 400 });
    const slow = device.call('/api', { key: INITIAL_KEY, sale: '100', cash: '100' }, 'POST');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const busy = { status: 400, statusText: 'происходит регистрация или банковская операция', body: '-2' };
    expect(await device.call('/api', { key: INITIAL_KEY, sale: '200', cash: '200' }, 'POST')).toEqual(busy);
    expect(await device.call('/apicheck', { key: INITIAL_KEY })).toEqual(busy);
    expect(await device.call('/apideposit', { key: INITIAL_KEY, cash: '10' })).toEqual(busy);
    expect((await device.control<{ busy: boolean }>('GET', '/_sim/state')).busy).toBe(true);
    // Reads too: the seed promises no answer to anything while a registration runs.
    expect(await device.call('/apicheck/getInfo', { key: INITIAL_KEY })).toEqual(busy);
    expect(await device.call('/dump/table/shifts', { key: INITIAL_KEY })).toEqual(busy);
    expect(await device.call('/dump/transaction/1', { key: INITIAL_KEY })).toEqual(busy);
    expect(await device.call('/nothing', { key: INITIAL_KEY })).toEqual(busy);

    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(await device.journal()).toHaveLength(1);
    expect((await device.call('/apicheck', { key: answer.body })).body).toBe('0');
  });

  it('two registrations sent at the same moment: exactly one is registered, the other sees -2 or -1/203', async () => {
    const params = { key: INITIAL_KEY, sale: '100', cash: '100' };
    const answers = await Promise.all([
      device.call('/api', params, 'POST'),
      device.call('/api', params, 'POST'),
    ]);
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    expect(await device.journal()).toHaveLength(1);
  });

  it('-5 low battery, -6 printer not ready, -1xx OFD block: apicheck reports them and registrations are refused', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ batteryPerc: 5 }, '-5', 'низкий заряд батареи ккм'],
      [{ printerReady: false }, '-6', 'принтер не готов'],
      [{ ofdBlockCode: -103 }, '-103', 'ккм заблокирован ОФД (код ОФД 3)'],
    ];
    for (const [settings, code, reason] of cases) {
      await device.control('POST', '/_sim/reset');
      await device.control('POST', '/_sim/device', settings);
      expect(await device.call('/apicheck', { key: INITIAL_KEY })).toEqual({
        status: 400,
        statusText: reason,
        body: code,
      });
      expect((await device.call('/api', { key: INITIAL_KEY, sale: '1', cash: '1' }, 'POST')).body).toBe(code);
      expect(await device.journal()).toHaveLength(0);
    }
  });
});
