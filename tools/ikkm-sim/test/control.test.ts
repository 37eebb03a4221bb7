import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOUR_MS, INITIAL_KEY, startTestDevice, type TestDevice } from './helpers';

let device: TestDevice;
let realNow = 1_700_000_000_000;
beforeEach(async () => {
  realNow = 1_700_000_000_000;
  device = await startTestDevice({ now: () => realNow });
});
afterEach(async () => {
  await device.stop();
});

describe('control API (/_sim)', () => {
  it('GET /_sim/state has the shared contract fields', async () => {
    const state = await device.control('GET', '/_sim/state');
    expect(state).toMatchObject({
      now: realNow,
      offline: false,
      key: INITIAL_KEY,
      shiftOpen: false,
      shiftNumber: 0,
      faults: [],
    });
  });

  it('POST /_sim/clock moves the simulated clock (advanceMs or set) on top of the real clock', async () => {
    expect(await device.control('POST', '/_sim/clock', { advanceMs: 24 * HOUR_MS })).toEqual({
      now: realNow + 24 * HOUR_MS,
    });
    realNow += 1_000;
    expect((await device.control<{ now: number }>('GET', '/_sim/state')).now).toBe(realNow + 24 * HOUR_MS);
    expect(await device.control('POST', '/_sim/clock', { set: 1_800_000_000_000 })).toEqual({
      now: 1_800_000_000_000,
    });
    realNow += 5_000;
    expect((await device.control<{ now: number }>('GET', '/_sim/state')).now).toBe(1_800_000_005_000);
  });

  it('the clock dates the documents (device local time, UTC+5)', async () => {
    await device.control('POST', '/_sim/clock', { set: Date.UTC(2016, 0, 20, 13, 10, 43) });
    const sale = await device.sell('100');
    const transaction = await device.json<{ createDate: string }>(`/dump/transaction/${INITIAL_KEY}`, {
      key: sale.body,
    });
    expect(transaction.createDate).toBe('2016-01-20 18:10:43');
  });

  it('POST /_sim/offline toggles the OFD link and the offline period starts on the simulated clock', async () => {
    const answer = await device.control<{ offline: boolean; offlineSince: number }>('POST', '/_sim/offline', {
      offline: true,
    });
    expect(answer).toMatchObject({ offline: true, offlineSince: realNow });
    expect((await device.control<{ offline: boolean }>('GET', '/_sim/state')).offline).toBe(true);
    // Going offline again does not restart the period.
    await device.control('POST', '/_sim/clock', { advanceMs: HOUR_MS });
    expect(await device.control('POST', '/_sim/offline', { offline: true })).toMatchObject({
      offlineSince: realNow,
    });
    expect(await device.control('POST', '/_sim/offline', { offline: false })).toMatchObject({
      offline: false,
      offlineSince: null,
    });
  });

  it('GET /_sim/journal lists every fiscal registration exactly once, with tiyn totals and keys', async () => {
    await device.control('POST', '/_sim/device', { acceptDecimals: true });
    const first = await device.sell('10.5');
    await device.call('/api', { key: INITIAL_KEY, sale: '10.5', cash: '10.5' }, 'POST'); // a repeat: 203
    await device.call('/apideposit', { key: first.body, cash: '100' });
    await device.call('/apixreport', { key: await device.key() });
    await device.call('/apizreport', { key: await device.key() });
    const entries = await device.journal();
    expect(entries.map((entry) => [entry.seq, entry.kind, entry.checkNumber, entry.total])).toEqual([
      [1, 'sale', 1, 1_050],
      [2, 'deposit', 2, 10_000],
      [3, 'xreport', undefined, 0],
      [4, 'zreport', undefined, 0],
    ]);
    expect(entries[0]).toMatchObject({
      shiftNumber: 1,
      key: INITIAL_KEY,
      newKey: first.body,
      at: realNow,
      payments: { cash: 1_050 },
    });
  });

  it('POST /_sim/reset returns to the initial key with an empty journal', async () => {
    await device.sell('100');
    await device.control('POST', '/_sim/offline', { offline: true });
    await device.control('POST', '/_sim/clock', { advanceMs: HOUR_MS });
    await device.control('POST', '/_sim/faults', { kind: 'drop' });
    await device.control('POST', '/_sim/device', { cashierId: 100 });
    expect(await device.control('POST', '/_sim/reset')).toMatchObject({ ok: true, key: INITIAL_KEY });
    expect(await device.control('GET', '/_sim/state')).toMatchObject({
      now: realNow,
      offline: false,
      key: INITIAL_KEY,
      shiftOpen: false,
      shiftNumber: 0,
      faults: [],
    });
    expect(await device.journal()).toEqual([]);
    const answer = await device.call('/api', { key: INITIAL_KEY, sale: '1', cash: '1' }, 'POST');
    expect(answer).toMatchObject({ status: 200, statusText: '1' });
  });

  it('POST /_sim/device validates its settings', async () => {
    for (const body of [
      { cashierId: 42 },
      { batteryPerc: 101 },
      { ofdBlockCode: -5 },
      { printingMode: 'thermal' },
      { unknown: 1 },
    ]) {
      const response = await fetch(`${device.url}/_sim/device`, {
        method: 'POST',
        body: JSON.stringify(body),
      });
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
    expect(await device.control('POST', '/_sim/device', { cashierId: 201, batteryPerc: 50 })).toMatchObject({
      settings: { cashierId: 201, batteryPerc: 50 },
    });
  });

  it('unknown control routes answer 404 JSON, bad JSON 400 — never the device code -8', async () => {
    const unknown = await fetch(`${device.url}/_sim/nothing`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toHaveProperty('error');
    const badJson = await fetch(`${device.url}/_sim/clock`, { method: 'POST', body: '{oops' });
    expect(badJson.status).toBe(400);
    const badClock = await fetch(`${device.url}/_sim/clock`, {
      method: 'POST',
      body: JSON.stringify({ advanceMs: 'soon' }),
    });
    expect(badClock.status).toBe(400);
  });
});

describe('robustness', () => {
  it('survives garbage: bad encodings, huge bodies, odd content types, JSON bodies', async () => {
    const cases: [string, RequestInit][] = [
      ['/api?key=%E0%A4%A&sale=1', {}],
      [
        '/api',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"key":"11112222","sale":1}',
        },
      ],
      [
        '/api',
        { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: '--x--' },
      ],
      ['/api', { method: 'POST', body: `key=${INITIAL_KEY}&sale=1&print=${'x'.repeat(1_100_000)}` }],
      [`/api?key=${INITIAL_KEY}&sale=1&sale=2&cash=2`, {}],
      ['/dump/transaction/%FF', { method: 'GET' }],
      [
        `/api?key=${INITIAL_KEY}&sale=1&cash=1&itemdata=${encodeURIComponent('[{"name":{}}]')}`,
        { method: 'POST' },
      ],
    ];
    for (const [path, init] of cases) {
      const response = await fetch(`${device.url}${path}`, init);
      const body = await response.text();
      expect(response.status, path.slice(0, 60)).toBe(400);
      expect(body, path.slice(0, 60)).toMatch(/^-\d+$/);
    }
    expect(await device.journal()).toHaveLength(0);
    expect((await device.call('/apicheck', { key: INITIAL_KEY })).body).toBe('0');
  });
});
