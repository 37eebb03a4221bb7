import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INITIAL_KEY, startTestDevice, type TestDevice } from './helpers';

let device: TestDevice;
beforeEach(async () => {
  device = await startTestDevice();
});
afterEach(async () => {
  await device.stop();
});

const sale = { key: INITIAL_KEY, sale: '2920', cash: '3000' };

describe('fault injection (POST /_sim/faults)', () => {
  it('delay: answers normally after delayMs', async () => {
    const { id } = await device.control<{ id: number }>('POST', '/_sim/faults', {
      kind: 'delay',
      delayMs: 300,
    });
    expect(typeof id).toBe('number');
    const started = Date.now();
    const answer = await device.call('/api', sale, 'POST');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(answer.status).toBe(200);
    const quick = Date.now();
    await device.call('/apicheck', { key: answer.body });
    expect(Date.now() - quick).toBeLessThan(250);
  });

  it('error: answers the given device code and registers nothing', async () => {
    await device.control('POST', '/_sim/faults', { kind: 'error', code: -6, match: '/api' });
    expect(await device.call('/api', sale, 'POST')).toEqual({
      status: 400,
      statusText: 'принтер не готов',
      body: '-6',
    });
    expect(await device.journal()).toHaveLength(0);
    expect(await device.key()).toBe(INITIAL_KEY);

    await device.control('POST', '/_sim/faults', { kind: 'error', code: -150 });
    expect(await device.call('/api', sale, 'POST')).toEqual({
      status: 400,
      statusText: 'ккм заблокирован ОФД (код ОФД 50)',
      body: '-150',
    });
    // The fault was used up: the same request now registers.
    expect((await device.call('/api', sale, 'POST')).status).toBe(200);
  });

  it('commit-then-drop: the sale is committed and the key rotated, but no answer arrives; the repeat answers 203', async () => {
    await device.control('POST', '/_sim/faults', { kind: 'commit-then-drop', match: '/api' });
    await expect(device.call('/api', sale, 'POST')).rejects.toThrow();

    const journal = await device.journal();
    expect(journal).toHaveLength(1);
    const newKey = await device.key();
    expect(newKey).not.toBe(INITIAL_KEY);
    expect(journal[0]).toMatchObject({ key: INITIAL_KEY, newKey });

    // How a driver finds out: the used key is refused by /apicheck, the transaction exists, and a
    // repeat of the request replays the lost answer without a second registration.
    expect((await device.call('/apicheck', { key: INITIAL_KEY })).body).toBe('-1');
    expect(
      (await device.json<{ docid: string }>(`/dump/transaction/${INITIAL_KEY}`, { key: newKey })).docid,
    ).toBe('1');
    expect(await device.call('/api', sale, 'POST')).toEqual({ status: 203, statusText: '1', body: newKey });
    expect(await device.journal()).toHaveLength(1);
  });

  it('drop: the socket closes and nothing happens; the repeat registers exactly once', async () => {
    await device.control('POST', '/_sim/faults', { kind: 'drop' });
    await expect(device.call('/api', sale, 'POST')).rejects.toThrow();
    expect(await device.journal()).toHaveLength(0);
    expect(await device.key()).toBe(INITIAL_KEY);
    expect((await device.call('/apicheck', { key: INITIAL_KEY })).body).toBe('0');
    const answer = await device.call('/api', sale, 'POST');
    expect(answer.status).toBe(200);
    expect(await device.journal()).toHaveLength(1);
  });

  it('count and match: a fault affects only that many requests on matching paths', async () => {
    await device.control('POST', '/_sim/faults', { kind: 'error', code: -5, count: 2, match: '/apicheck' });
    expect((await device.call('/api', sale, 'POST')).status).toBe(200);
    const key = await device.key();
    expect((await device.call('/apicheck', { key })).body).toBe('-5');
    expect((await device.call('/apicheck/getInfo', { key })).body).toBe('-5');
    expect((await device.call('/apicheck', { key })).body).toBe('0');
    expect((await device.control<{ faults: unknown[] }>('GET', '/_sim/state')).faults).toEqual([]);
  });

  it('match works on path segments: /api is the registration, not /apicheck/getInfo; a trailing * is a plain prefix', async () => {
    await device.control('POST', '/_sim/faults', { kind: 'error', code: -6, match: '/api' });
    const key = await device.key();
    expect((await device.call('/apicheck/getInfo', { key })).status).toBe(200);
    expect((await device.call('/apideposit', { key, cash: '10' })).status).toBe(200);
    expect((await device.call('/api', { ...sale, key: await device.key() }, 'POST')).body).toBe('-6');
    await device.control('POST', '/_sim/faults', { kind: 'error', code: -5, count: 2, match: '/api*' });
    expect((await device.call('/apicheck/getInfo', { key: await device.key() })).body).toBe('-5');
    expect((await device.call('/apideposit/', { key: await device.key(), cash: '10' })).body).toBe('-5');
    expect((await device.control<{ faults: unknown[] }>('GET', '/_sim/state')).faults).toEqual([]);
  });

  it('the control API is never affected by faults; DELETE clears them all', async () => {
    await device.control('POST', '/_sim/faults', { kind: 'drop', count: 5 });
    await device.control('POST', '/_sim/faults', { kind: 'error', code: -99, match: '/dump' });
    const { faults } = await device.control<{
      faults: { kind: string; count: number; match: string | null }[];
    }>('GET', '/_sim/state');
    expect(faults).toMatchObject([
      { kind: 'drop', count: 5, match: null },
      { kind: 'error', count: 1, match: '/dump' },
    ]);
    expect(await device.control('DELETE', '/_sim/faults')).toEqual({ cleared: 2 });
    expect((await device.call('/api', sale, 'POST')).status).toBe(200);
  });

  it('rejects malformed fault specs with HTTP 400', async () => {
    for (const body of [
      { kind: 'explode' },
      { kind: 'error', code: 5 },
      { kind: 'delay', delayMs: -1 },
      { kind: 'drop', count: 0 },
      { kind: 'drop', match: 'api' },
    ]) {
      const response = await fetch(`${device.url}/_sim/faults`, {
        method: 'POST',
        body: JSON.stringify(body),
      });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(((await response.json()) as { error: string }).error).toBeTruthy();
    }
  });
});
