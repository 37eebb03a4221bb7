import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startIkkmSimulator } from '../src/index';
import { HOUR_MS, INITIAL_KEY, startTestDevice, type TestDevice } from './helpers';

let stateDir: string;
let device: TestDevice;
beforeEach(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'ikkm-sim-persist-'));
  device = await startTestDevice({ stateDir });
});
afterEach(async () => {
  await device.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

const savedState = () =>
  JSON.parse(readFileSync(join(stateDir, 'ikkm-state.json'), 'utf8')) as {
    key: string;
    journal: { kind: string }[];
  };

describe('state survives a restart', () => {
  it('keeps the key, journal, shift and counters; the replay memory is lost (-1), the transaction stays', async () => {
    const first = await device.sell('2920', { cash: '3000' });
    const deposit = await device.call('/apideposit', { key: first.body, cash: '500' });
    await device.control('POST', '/_sim/clock', { advanceMs: 2 * HOUR_MS });
    const before = await device.control<{ now: number; clockOffsetMs: number }>('GET', '/_sim/state');

    await device.restart();

    const state = await device.control<{
      key: string;
      shiftOpen: boolean;
      shiftNumber: number;
      cashWeHave: number;
      clockOffsetMs: number;
    }>('GET', '/_sim/state');
    expect(state).toMatchObject({
      key: deposit.body,
      shiftOpen: true,
      shiftNumber: 1,
      cashWeHave: 292_000 + 50_000,
    });
    expect(state.clockOffsetMs).toBe(before.clockOffsetMs);
    expect((await device.journal()).map((entry) => entry.kind)).toEqual(['sale', 'deposit']);
    // The replay memory is in memory only: after a restart the last used key is just wrong.
    expect(await device.call('/apideposit', { key: first.body, cash: '500' })).toMatchObject({
      status: 400,
      body: '-1',
    });
    expect(await device.json(`/dump/transaction/${first.body}`, { key: deposit.body })).toMatchObject({
      docid: '2',
    });
    expect((await device.call('/apicheck', { key: deposit.body })).statusText).toBe('2');
    // The device "was rebooted": nothing to reprint.
    expect((await device.call('/apicheck/printLastDocument', { key: deposit.body })).body).toBe('-7');
    const next = await device.sell('1');
    expect(next.statusText).toBe('3');
  });

  it('a saved device keeps its own key even when started with another --key', async () => {
    const sale = await device.sell('100');
    await device.sim.close();
    const other = await startIkkmSimulator({ port: 0, key: '55556666', stateDir });
    try {
      expect(other.key).toBe(sale.body);
      const response = await fetch(`${other.url}/apicheck?key=${sale.body}`);
      expect(await response.text()).toBe('0');
    } finally {
      await other.close();
    }
    await device.restart();
  });

  it('writes the state before answering, atomically (no temp files left)', async () => {
    const sale = await device.sell('100');
    expect(savedState()).toMatchObject({ key: sale.body, journal: [{ kind: 'sale' }] });

    await device.control('POST', '/_sim/faults', { kind: 'commit-then-drop' });
    await expect(device.call('/api', { key: sale.body, sale: '5', cash: '5' }, 'POST')).rejects.toThrow();
    expect(savedState().journal.map((entry) => entry.kind)).toEqual(['sale', 'sale']);
    expect(readdirSync(stateDir)).toEqual(['ikkm-state.json']);
  });

  it('refuses to start on a damaged state file instead of wiping the journal', async () => {
    await device.sim.close();
    writeFileSync(join(stateDir, 'ikkm-state.json'), '{"version":1,"key":');
    await expect(startIkkmSimulator({ port: 0, key: INITIAL_KEY, stateDir })).rejects.toThrow(
      /not valid JSON/,
    );
    writeFileSync(join(stateDir, 'ikkm-state.json'), '{"something":"else"}');
    await expect(startIkkmSimulator({ port: 0, key: INITIAL_KEY, stateDir })).rejects.toThrow(
      /not an ikkm-sim state/,
    );
    rmSync(join(stateDir, 'ikkm-state.json'));
    await device.restart();
  });

  it('refuses an initial key that is not a positive whole number', async () => {
    for (const key of ['', 'abc', '0', '-5', '12.5']) {
      await expect(
        startIkkmSimulator({ port: 0, key, stateDir: join(stateDir, 'other') }),
        key,
      ).rejects.toThrow(/positive whole number/);
    }
  });
});
