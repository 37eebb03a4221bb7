import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { STATE_FILE_NAME } from '../src/index';
import { type Json, kkm6923, makeTempDir, seedTradeOperation, simpleSale, startSim } from './helpers';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('persistence', () => {
  it('the register, operators, documents, journal and clock survive a restart', async () => {
    const dir = makeTempDir();
    dirs.push(dir);
    const sim = await startSim({ dir });
    await sim.call('SaveOperator', { name: 'Кассир', access_pin: '5555', role: 3, bindings: [1] });
    await sim.call('MoneyPlacement', { kkm_ofd_id: 6923, operation: 0, sum: 1000 });
    await sim.call('TradeOperation', seedTradeOperation(), { auth: '5555' });
    await sim.control('POST', 'clock', { advanceMs: 3600_000 });
    await sim.control('POST', 'offline', { offline: true });
    const kkmBefore = await kkm6923(sim);
    const journalBefore = (await sim.control('GET', 'journal')).entries;
    const stateBefore = await sim.control('GET', 'state');
    const firstUrl = sim.url;

    await sim.restart();
    expect(sim.url).not.toBe(firstUrl);
    expect(await kkm6923(sim)).toEqual(kkmBefore);
    expect((await sim.control('GET', 'journal')).entries).toEqual(journalBefore);
    const stateAfter = await sim.control('GET', 'state');
    expect(stateAfter.clockOffsetMs).toBe(stateBefore.clockOffsetMs);
    expect(stateAfter.offline).toBe(true);
    expect(stateAfter.operators).toEqual(stateBefore.operators);
    // The cashier's PIN and the shift counters carry on.
    const next = await sim.call('TradeOperation', simpleSale(), { auth: '5555' });
    expect(next.response_data).toMatchObject({ fr_shift_number: 118, shift_document_number: 3 });
    const transaction = await sim.call('GetTransaction', { kkm_ofd_id: 6923, transaction_id: 2 });
    expect(transaction.response_data.body.amounts.total).toEqual({ bills: 1750, coins: 0 });
    await sim.close();
  });

  it('writes the state atomically: one JSON file, no temp files left', async () => {
    const dir = makeTempDir();
    dirs.push(dir);
    const sim = await startSim({ dir });
    for (let i = 0; i < 5; i++) await sim.call('TradeOperation', simpleSale());
    expect(readdirSync(dir)).toEqual([STATE_FILE_NAME]);
    await sim.close();
  });

  it('an explicit admin PIN on restart replaces the stored one', async () => {
    const dir = makeTempDir();
    dirs.push(dir);
    const sim = await startSim({ dir });
    await sim.restart({ adminPin: '9999' });
    expect((await sim.call('GetOFDList', {}, { auth: '9999' })).response_code).toBe(0);
    expect((await sim.call('GetOFDList', {}, { auth: '0000' })).response_code).toBe(5);
    await sim.close();
  });

  it('POST /_sim/reset returns to the initial state and empties the journal', async () => {
    const sim = await startSim();
    await sim.call('TradeOperation', simpleSale());
    await sim.call('SaveKKM', { ofd_id: 7000, ofd_token: 1 });
    await sim.control('POST', 'faults', { kind: 'error', count: 3, match: 'Nothing' });
    const reset = await sim.control('POST', 'reset');
    expect(reset).toMatchObject({
      shiftOpen: false,
      shiftNumber: 117,
      offline: false,
      faults: [],
      journalLength: 0,
    });
    expect((await sim.control('GET', 'journal')).entries).toEqual([]);
    expect((await sim.call('GetKKMList')).response_data.map((k: Json) => k.ofd_id)).toEqual([6923]);
    expect((await sim.call('TradeOperation', simpleSale())).response_data.fr_shift_number).toBe(118);
    await sim.close();
  });
});

describe('command line', () => {
  it('starts with --port 0 --state-dir, prints the listening line, serves, and closes on SIGTERM', async () => {
    const dir = makeTempDir();
    dirs.push(dir);
    // Its own process group: npx does not pass SIGTERM on to tsx, so the whole group is signalled
    // (as a terminal or a process manager would) and nothing is left running.
    const child = spawn(
      'npx',
      [
        'tsx',
        'tools/cash-core-sim/src/main.ts',
        '--port',
        '0',
        '--state-dir',
        dir,
        '--admin-pin',
        '1234',
        '--readings',
        'ticketSum=total,closedShift=last',
        '--busy-too-long-ms',
        '5000',
      ],
      {
        cwd: join(__dirname, '..', '..', '..'),
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      },
    );
    const pid = child.pid as number;
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    // 'close' waits for every holder of the pipes — the simulator itself included — to be gone.
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    let url = '';
    try {
      url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line:\n${output}`)), 20_000);
        const check = () => {
          const match = /cash-core-sim listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
          if (match?.[1]) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        };
        child.stdout.on('data', check);
        child.stderr.on('data', check);
        child.once('exit', (code) => reject(new Error(`exited ${code}:\n${output}`)));
      });
      const ping = await fetch(`${url}/Ping`);
      expect(await ping.json()).toEqual({ response_code: 0, response_data: 'ok' });
      const sale = await fetch(`${url}/TradeOperation`, {
        method: 'POST',
        headers: { authorization: 'Bearer 1234' },
        body: JSON.stringify(simpleSale()),
      });
      expect(((await sale.json()) as Json).response_code).toBe(0);
      expect(existsSync(join(dir, STATE_FILE_NAME))).toBe(true);
      const state = (await (await fetch(`${url}/_sim/state`)).json()) as Json;
      expect(state.readings).toEqual({
        ticketSum: 'total',
        ticketPayments: 'typesGross',
        placementSum: 'zero',
        closedShift: 'last',
      });
      expect(state.busy).toMatchObject({ tooLongAfterMs: 5000, ping: 'answers', running: null });
    } finally {
      process.kill(-pid, 'SIGTERM');
    }
    await closed;
    expect(output).toContain('cash-core-sim: SIGTERM, closing');
    await expect(fetch(`${url}/Ping`)).rejects.toThrow();
  });
});
