import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { INITIAL_KEY, startTestDevice, type TestDevice } from './helpers';

/**
 * Where seed 002 is silent the simulator takes the strict reading, so a client that relies on
 * more than the seed states fails against it (see the README, "Seed ambiguities").
 */
let device: TestDevice;
afterEach(async () => {
  await device.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The status line's reason phrase as raw bytes. */
function rawReason(url: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    httpRequest(url, { agent: false }, (res) => {
      res.resume();
      resolve(Buffer.from(res.statusMessage ?? '', 'latin1'));
    })
      .on('error', reject)
      .end();
  });
}

describe('strict where the seed is silent', () => {
  it('reason phrases are the seed Russian descriptions as UTF-8 bytes; English on request', async () => {
    device = await startTestDevice();
    const bytes = await rawReason(`${device.url}/api?key=12345678&sale=1&cash=1`);
    expect(bytes.equals(Buffer.from('неверный web-api ключ', 'utf8'))).toBe(true);
    expect((await device.call('/apicheck', { key: '12345678' })).statusText).toBe('неверный web-api ключ');
    await device.stop();

    device = await startTestDevice({ reasonLanguage: 'en' });
    expect((await device.call('/apicheck', { key: '12345678' })).statusText).toBe('Wrong web-api key');
  });

  it('a delayed registration keeps running after the client gave up, commits, and holds the device meanwhile', async () => {
    device = await startTestDevice();
    await device.control('POST', '/_sim/faults', { kind: 'delay', match: '/api', count: 1, delayMs: 1_500 });
    const aborted = new AbortController();
    const gaveUp = fetch(`${device.url}/api`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `key=${INITIAL_KEY}&sale=100&cash=100`,
      signal: aborted.signal,
    }).catch((error: unknown) => error);
    await sleep(100);
    aborted.abort();
    expect(await gaveUp).toBeInstanceOf(Error);
    // Still running: every request, reads included, is answered -2.
    expect((await device.call('/apicheck/getInfo', { key: INITIAL_KEY })).body).toBe('-2');
    expect((await device.call('/api', { key: INITIAL_KEY, sale: '100', cash: '100' }, 'POST')).body).toBe(
      '-2',
    );
    expect(await device.journal()).toHaveLength(0);
    for (let i = 0; i < 100 && (await device.control<{ busy: boolean }>('GET', '/_sim/state')).busy; i += 1)
      await sleep(50);
    const [entry] = await device.journal();
    expect(entry).toMatchObject({ kind: 'sale', key: INITIAL_KEY, total: 10_000 });
    // The lost answer is still there for the last used key.
    expect(await device.call('/api', { key: INITIAL_KEY, sale: '100', cash: '100' }, 'POST')).toMatchObject({
      status: 203,
      statusText: '1',
      body: entry?.newKey,
    });
    expect(await device.journal()).toHaveLength(1);
  });

  it('Z and X answer no body (seed: "Получение ответов не предусмотрено"); their refusals are still codes', async () => {
    device = await startTestDevice();
    expect(await device.call('/apizreport', { key: INITIAL_KEY })).toMatchObject({ status: 400, body: '-7' });
    const sale = await device.sell('100');
    expect(await device.call('/apixreport', { key: sale.body })).toEqual({
      status: 200,
      statusText: 'OK',
      body: '',
    });
    expect(await device.call('/apizreport', { key: sale.body })).toEqual({
      status: 200,
      statusText: 'OK',
      body: '',
    });
    expect((await device.journal()).map((entry) => entry.kind)).toEqual(['sale', 'xreport', 'zreport']);
  });

  it('acceptDecimals: refused by default, allowed by the device setting, validated by /_sim/device', async () => {
    device = await startTestDevice();
    expect((await device.sell('10.5')).body).toBe('-9');
    await expect(device.control('POST', '/_sim/device', { acceptDecimals: 'yes' })).rejects.toThrow(/400/);
    expect(await device.control('POST', '/_sim/device', { acceptDecimals: true })).toMatchObject({
      settings: { acceptDecimals: true },
    });
    expect((await device.sell('10.5')).status).toBe(200);
    // Cash movements stay whole tenge whatever the setting: "cash положительное, целое число".
    expect((await device.call('/apideposit', { key: await device.key(), cash: '10.5' })).body).toBe('-9');
    await device.stop();

    device = await startTestDevice({ acceptDecimals: true });
    expect((await device.sell('0.5')).status).toBe(200);
  });
});
