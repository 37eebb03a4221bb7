import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RESPONSE_CODES, responseCodeName } from '../src/index';
import { type Json, type SimHandle, kkm6923, simpleSale, startSim } from './helpers';

let sim: SimHandle;
beforeEach(async () => {
  sim = await startSim();
});
afterEach(async () => {
  await sim.close();
});

describe('bad input never crashes the register', () => {
  it('malformed JSON or a non-object body is 73 source_object_deserialization_error', async () => {
    for (const body of ['{"kkm_ofd_id": 6923,', '[1,2]', '42', 'null', '"text"']) {
      const answer = await sim.call('TradeOperation', body);
      expect(answer.response_code, body).toBe(73);
      expect(answer.response_data).toMatch(/^source_object_deserialization_error/);
    }
    expect((await sim.call('Ping')).response_code).toBe(0);
  });

  it('an unknown method is 3 method_not_found (names are case-sensitive)', async () => {
    for (const method of ['Nope', 'tradeoperation', '', 'TradeOperation/extra']) {
      const answer = await sim.call(method, {});
      expect(answer.response_code, method).toBe(3);
    }
  });

  it('GET on a POST-only method is HTTP 405 with code 3; GET/POST methods take query parameters', async () => {
    const response = await sim.raw('TradeOperation', { method: 'GET', headers: { authorization: '0000' } });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(((await response.json()) as Json).response_code).toBe(3);
    const filtered = await sim.call('GetKKMList', undefined, { http: 'GET', query: 'ofd_id=6923' });
    expect(filtered.response_data).toHaveLength(1);
    const none = await sim.call('GetKKMList', undefined, { http: 'GET', query: 'ofd_id=1' });
    expect(none.response_data).toEqual([]);
    const put = await sim.raw('Ping', { method: 'PUT' });
    expect(put.status).toBe(405);
  });

  it('wrong field types are 2 invalid_fields naming the field', async () => {
    const answer = await sim.call('TradeOperation', { ...simpleSale(), kkm_ofd_id: '6923' });
    expect(answer).toEqual({
      response_code: 2,
      response_data: 'invalid_fields: kkm_ofd_id must be an integer',
    });
    expect((await sim.call('GetKKMList', { ofd_id: true })).response_code).toBe(2);
    expect((await sim.call('SaveOperator', { access_pin: '1234', role: 'admin' })).response_code).toBe(2);
    expect((await sim.call('TradeOperation', { ...simpleSale(), items: [null] })).response_code).toBe(2);
  });

  it('an empty POST body counts as {}', async () => {
    expect((await sim.call('GetOFDList', '')).response_code).toBe(0);
    expect((await sim.call('TradeOperation', '')).response_code).toBe(2);
  });

  it('a body over 1 MiB is refused with 2', async () => {
    const answer = await sim.call('TradeOperation', JSON.stringify({ pad: 'x'.repeat(1_100_000) }));
    expect(answer.response_code).toBe(2);
    expect((await sim.call('Ping')).response_code).toBe(0);
  });
});

describe('response codes', () => {
  it('the table has every code 0..95 once', () => {
    const codes = Object.values(RESPONSE_CODES).map((c) => c.code);
    expect(codes).toEqual(Array.from({ length: 96 }, (_, i) => i));
    expect(responseCodeName(58)).toBe('not_enough_cash');
    expect(RESPONSE_CODES.kkm_access_denied.code).toBe(71);
    expect(RESPONSE_CODES.kkm_invalid_bindings.code).toBe(72);
  });
});

describe('control API', () => {
  it('GET /_sim/state has the shared contract fields', async () => {
    const state = await sim.control('GET', 'state');
    expect(state).toMatchObject({
      offline: false,
      shiftOpen: false,
      shiftNumber: 117,
      faults: [],
      cashInDrawer: 0,
      kkmOfdId: 6923,
    });
    expect(Math.abs(state.now - Date.now())).toBeLessThan(5000);
    expect(state.registers).toHaveLength(1);
  });

  it('POST /_sim/clock advances or sets the register clock', async () => {
    const { now: before } = await sim.control('GET', 'state');
    const advanced = await sim.control('POST', 'clock', { advanceMs: 3_600_000 });
    expect(advanced.now - before).toBeGreaterThanOrEqual(3_600_000);
    expect(advanced.now - before).toBeLessThan(3_600_000 + 5000);
    const target = Date.parse('2030-06-01T00:00:00Z');
    const set = await sim.control('POST', 'clock', { set: target });
    expect(Math.abs(set.now - target)).toBeLessThan(1000);
    const sale = await sim.call('TradeOperation', simpleSale());
    expect(sale.response_data.body.date_time.date).toEqual({ year: 2030, month: 6, day: 1 });
    expect(sale.response_data.body.date_time.time.hour).toBe(5); // UTC+5
    const bad = await fetch(`${sim.url}/_sim/clock`, { method: 'POST', body: '{"advanceMs":"soon"}' });
    expect(bad.status).toBe(400);
  });

  it('POST /_sim/register blocks the register (62) and unblocks it', async () => {
    await sim.control('POST', 'register', { blocked: true, blockedInfo: 'Заблокирована ОФД' });
    const blocked = await sim.call('MoneyPlacement', { kkm_ofd_id: 6923, operation: 0, sum: 1 });
    expect(blocked).toEqual({ response_code: 62, response_data: 'kkm_is_blocked: Заблокирована ОФД' });
    expect(await kkm6923(sim)).toMatchObject({ is_blocked: true, blocked_info: 'Заблокирована ОФД' });
    await sim.control('POST', 'register', { blocked: false });
    expect((await sim.call('MoneyPlacement', { kkm_ofd_id: 6923, operation: 0, sum: 1 })).response_code).toBe(
      0,
    );
  });

  it('unknown control routes are 404, bad bodies 400', async () => {
    expect((await fetch(`${sim.url}/_sim/nothing`)).status).toBe(404);
    expect(
      (await fetch(`${sim.url}/_sim/offline`, { method: 'POST', body: '{"offline":"yes"}' })).status,
    ).toBe(400);
    expect((await fetch(`${sim.url}/_sim/offline`, { method: 'POST', body: 'not json' })).status).toBe(400);
    expect(
      (await fetch(`${sim.url}/_sim/offline`, { method: 'POST', body: '{"offline":true,"kkmOfdId":1}' }))
        .status,
    ).toBe(400);
  });
});
