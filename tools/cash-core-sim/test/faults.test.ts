import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STATE_FILE_NAME } from '../src/index';
import { type Json, type SimHandle, kkm6923, simpleSale, startSim } from './helpers';

let sim: SimHandle;
beforeEach(async () => {
  sim = await startSim();
});
afterEach(async () => {
  await sim.close();
});

const addFault = (spec: Json) => sim.control<Json>('POST', 'faults', spec);

describe('faults', () => {
  it('delay: waits, then answers normally', async () => {
    const { id } = await addFault({ kind: 'delay', delayMs: 300, match: 'TradeOperation' });
    expect(typeof id).toBe('number');
    const started = Date.now();
    const answer = await sim.call('TradeOperation', simpleSale());
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(answer.response_code).toBe(0);
    expect((await sim.control('GET', 'journal')).entries).toHaveLength(1);
  });

  it('error: answers the given response_code and changes nothing', async () => {
    await addFault({ kind: 'error', code: 20, match: 'TradeOperation' });
    const before = await kkm6923(sim);
    expect(await sim.call('TradeOperation', simpleSale())).toEqual({
      response_code: 20,
      response_data: 'connection_error',
    });
    expect(await kkm6923(sim)).toEqual(before);
    expect((await sim.control('GET', 'journal')).entries).toHaveLength(0);
    // Fired once (default count): the next call goes through.
    expect((await sim.call('TradeOperation', simpleSale())).response_code).toBe(0);
  });

  it('error without a code answers 1 unknown_result', async () => {
    await addFault({ kind: 'error' });
    expect(await sim.call('GetOFDList')).toEqual({ response_code: 1, response_data: 'unknown_result' });
  });

  it('commit-then-drop: the receipt is registered and on disk, the client gets no answer', async () => {
    await addFault({ kind: 'commit-then-drop', match: 'TradeOperation' });
    await expect(sim.call('TradeOperation', simpleSale({ price: 777 }))).rejects.toThrow();
    const journal = (await sim.control('GET', 'journal')).entries;
    expect(journal).toHaveLength(1);
    expect(journal[0]).toMatchObject({
      kind: 'sale',
      total: 77700,
      shiftNumber: 118,
      shiftDocumentNumber: 1,
    });
    const onDisk = JSON.parse(readFileSync(join(sim.dir, STATE_FILE_NAME), 'utf8'));
    expect(onDisk.transactions).toHaveLength(1);
    // The driver's reconciliation: counters moved, and the newer document is in the list.
    expect(await kkm6923(sim)).toMatchObject({ fr_shift_number: 118, shift_document_number: 1 });
    const found = await sim.call('GetTransactionList', {
      kkm_ofd_id: 6923,
      shift_number: 118,
      command_type_list: [1],
    });
    expect(found.response_data).toHaveLength(1);
    expect(found.response_data[0].body.sum).toBe(777);
  });

  it('drop: the socket is closed and nothing happens', async () => {
    await addFault({ kind: 'drop', match: 'MoneyPlacement' });
    await expect(sim.call('MoneyPlacement', { kkm_ofd_id: 6923, operation: 0, sum: 10 })).rejects.toThrow();
    expect((await sim.control('GET', 'journal')).entries).toHaveLength(0);
    expect((await kkm6923(sim)).cash_sum).toBe(0);
  });

  it('count, path-prefix match, state listing and DELETE', async () => {
    await addFault({ kind: 'error', code: 66, count: 2, match: '/Get' });
    const state = await sim.control('GET', 'state');
    expect(state.faults).toEqual([
      { id: expect.any(Number), kind: 'error', remaining: 2, match: '/Get', delayMs: 0, code: 66 },
    ]);
    expect((await sim.call('Ping')).response_code).toBe(0);
    expect((await sim.call('GetKKMList')).response_code).toBe(66);
    expect((await sim.call('GetOperatorList')).response_code).toBe(66);
    expect((await sim.call('GetKKMList')).response_code).toBe(0);

    await addFault({ kind: 'error', count: 5 });
    expect((await sim.control('GET', 'state')).faults).toHaveLength(1);
    expect(await sim.control('DELETE', 'faults')).toEqual({ cleared: 1 });
    expect((await sim.call('Ping')).response_code).toBe(0);
  });

  it('faults never touch the control API', async () => {
    await addFault({ kind: 'drop' });
    expect((await sim.control('GET', 'state')).faults).toHaveLength(1);
    await expect(sim.call('Ping')).rejects.toThrow();
    expect((await sim.control('GET', 'state')).faults).toHaveLength(0);
  });

  it('rejects malformed fault specs with HTTP 400', async () => {
    for (const spec of [
      { kind: 'explode' },
      { kind: 'delay', delayMs: -1 },
      { kind: 'error', count: 0 },
      { kind: 'error', code: 'x' },
    ]) {
      const response = await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify(spec) });
      expect(response.status).toBe(400);
      expect(((await response.json()) as Json).error).toBeTypeOf('string');
    }
  });
});
