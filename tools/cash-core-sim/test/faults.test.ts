import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitUntil } from '@kassa-relay/testing';
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
      {
        id: expect.any(Number),
        kind: 'error',
        remaining: 2,
        match: '/Get',
        delayMs: 0,
        code: 66,
        holdsCore: true,
      },
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
      { kind: 'delay', holdsCore: 'no' },
    ]) {
      const response = await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify(spec) });
      expect(response.status).toBe(400);
      expect(((await response.json()) as Json).error).toBeTypeOf('string');
    }
  });
});

/** Sends a call and gives up after `ms` (the client's timeout); resolves when it has given up. */
async function giveUpAfter(method: string, body: Json, ms: number): Promise<void> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  await fetch(`${sim.url}/${method}`, {
    method: 'POST',
    headers: { authorization: '0000', 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: controller.signal,
  }).catch(() => undefined);
  clearTimeout(timer);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a call still running (delay)', () => {
  it('keeps running after its client gave up, commits at its end, and the core answers 66 to anything else meanwhile', async () => {
    await addFault({ kind: 'delay', delayMs: 700, match: 'TradeOperation' });
    await giveUpAfter('TradeOperation', simpleSale({ price: 321 }), 100);
    // The client is gone; the call is not.
    expect((await sim.control('GET', 'state')).busy.running).toMatchObject({ method: 'TradeOperation' });
    for (const [method, body] of [
      ['GetKKMList', { ofd_id: 6923 }],
      ['GetTransactionList', { kkm_ofd_id: 6923 }],
      ['MoneyPlacement', { kkm_ofd_id: 6923, operation: 0, sum: 10 }],
      ['TradeOperation', simpleSale()],
    ] as const) {
      const answer = await sim.call(method, body);
      expect(answer.response_code, method).toBe(66);
      expect(answer.response_data).toMatch(/^operation_in_progress/);
    }
    // Ping only says the core is up: it answers.
    expect(await sim.call('Ping')).toEqual({ response_code: 0, response_data: 'ok' });
    expect((await sim.control('GET', 'journal')).entries).toHaveLength(0);
    await waitUntil(
      async () => (await sim.control('GET', 'journal')).entries.length === 1,
      5_000,
      'the sale journaled',
    );
    const [sale] = (await sim.control('GET', 'journal')).entries;
    expect(sale).toMatchObject({ kind: 'sale', total: 32100, shiftDocumentNumber: 1 });
    // Done: nothing is refused any more, and the refused calls changed nothing.
    expect((await sim.control('GET', 'state')).busy.running).toBeNull();
    expect(await kkm6923(sim)).toMatchObject({
      fr_shift_number: 118,
      shift_document_number: 1,
      cash_sum: 321,
    });
    const later = await sim.call('GetTransactionList', { kkm_ofd_id: 6923 });
    expect(later.response_data).toHaveLength(1);
  });

  it('69 kkm_is_busy_too_long once the call has run busy.tooLongAfterMs; Ping refused too with ping "busy"', async () => {
    expect(await sim.control('POST', 'busy', { tooLongAfterMs: 200, ping: 'busy' })).toMatchObject({
      tooLongAfterMs: 200,
      ping: 'busy',
      running: null,
    });
    await addFault({ kind: 'delay', delayMs: 800, match: 'MoneyPlacement' });
    await giveUpAfter('MoneyPlacement', { kkm_ofd_id: 6923, operation: 0, sum: 5 }, 50);
    expect((await sim.call('GetKKMList')).response_code).toBe(66);
    expect((await sim.call('Ping')).response_code).toBe(66);
    await sleep(250);
    const tooLong = await sim.call('GetKKMList');
    expect(tooLong.response_code).toBe(69);
    expect(tooLong.response_data).toMatch(/^kkm_is_busy_too_long/);
    expect((await sim.call('Ping')).response_code).toBe(69);
    await waitUntil(async () => (await sim.call('Ping')).response_code === 0, 5_000, 'Ping answering 0');
    expect((await sim.control('GET', 'journal')).entries.map((e: Json) => e.kind)).toEqual(['deposit']);
    for (const bad of [{ tooLongAfterMs: -1 }, { ping: 'sometimes' }, { other: 1 }]) {
      const response = await fetch(`${sim.url}/_sim/busy`, { method: 'POST', body: JSON.stringify(bad) });
      expect(response.status).toBe(400);
    }
  });

  it('a delayed read holds the core as well; a delayed Ping does not', async () => {
    await addFault({ kind: 'delay', delayMs: 400, match: 'GetKKMList' });
    const slowRead = sim.call('GetKKMList', { ofd_id: 6923 });
    await sleep(50);
    expect((await sim.call('TradeOperation', simpleSale())).response_code).toBe(66);
    expect((await slowRead).response_code).toBe(0);
    await addFault({ kind: 'delay', delayMs: 400, match: 'Ping' });
    const slowPing = sim.call('Ping');
    await sleep(50);
    expect((await sim.call('TradeOperation', simpleSale())).response_code).toBe(0);
    expect((await slowPing).response_code).toBe(0);
  });

  it('POST /_sim/restart abandons the running call: it never commits, and the core answers at once', async () => {
    await sim.call('MoneyPlacement', { kkm_ofd_id: 6923, operation: 0, sum: 100 });
    await addFault({ kind: 'delay', delayMs: 1_000, match: 'TradeOperation' });
    const pending = sim.call('TradeOperation', simpleSale({ price: 50 })).then(
      () => 'answered',
      () => 'connection lost',
    );
    await sleep(50);
    expect((await sim.call('GetKKMList')).response_code).toBe(66);
    const restarted = await sim.control('POST', 'restart');
    expect(restarted).toMatchObject({ abandoned: 1, state: { shiftDocumentNumber: 1, journalLength: 1 } });
    expect(await pending).toBe('connection lost');
    expect(await kkm6923(sim)).toMatchObject({
      fr_shift_number: 118,
      shift_document_number: 1,
      cash_sum: 100,
    });
    await sleep(1_100);
    expect((await sim.control('GET', 'journal')).entries.map((e: Json) => e.kind)).toEqual(['deposit']);
    // Nothing running: a restart abandons nothing.
    expect((await sim.control('POST', 'restart')).abandoned).toBe(0);
  });

  it('holdsCore false: the call is still in transit — the core answers others normally, then runs it', async () => {
    await addFault({ kind: 'delay', delayMs: 500, match: 'TradeOperation', holdsCore: false });
    await giveUpAfter('TradeOperation', simpleSale({ price: 77 }), 50);
    expect((await sim.call('GetKKMList', { ofd_id: 6923 })).response_code).toBe(0);
    expect((await sim.control('GET', 'state')).busy.running).toBeNull();
    expect((await sim.control('GET', 'journal')).entries).toHaveLength(0);
    await waitUntil(
      async () => (await sim.control('GET', 'journal')).entries.length === 1,
      5_000,
      'the sale journaled',
    );
    // A restart loses a call still in transit as well.
    await addFault({ kind: 'delay', delayMs: 500, match: 'TradeOperation', holdsCore: false });
    await giveUpAfter('TradeOperation', simpleSale({ price: 78 }), 50);
    expect((await sim.control('POST', 'restart')).abandoned).toBe(1);
    await sleep(600);
    expect((await sim.control('GET', 'journal')).entries).toHaveLength(1);
  });

  it('garble: commits, then answers a cut-off body', async () => {
    await addFault({ kind: 'garble', match: 'TradeOperation' });
    const response = await sim.raw('TradeOperation', {
      method: 'POST',
      headers: { authorization: '0000' },
      body: JSON.stringify(simpleSale({ price: 5 })),
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(() => JSON.parse(text)).toThrow();
    expect(text.startsWith('{"response_code":0')).toBe(true);
    expect((await sim.control('GET', 'journal')).entries).toHaveLength(1);
  });

  it('POST /_sim/reset abandons the running call too', async () => {
    await addFault({ kind: 'delay', delayMs: 600, match: 'TradeOperation' });
    await giveUpAfter('TradeOperation', simpleSale(), 50);
    await sim.control('POST', 'reset');
    expect((await sim.call('GetKKMList')).response_code).toBe(0);
    await sleep(700);
    expect((await sim.control('GET', 'journal')).entries).toHaveLength(0);
  });
});
