import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Json, type SimHandle, simpleSale, startSim } from './helpers';

let sim: SimHandle;
beforeEach(async () => {
  sim = await startSim();
});
afterEach(async () => {
  await sim.close();
});

async function adminToken(): Promise<string> {
  const state = await sim.control('GET', 'state');
  return state.operators.find((o: Json) => o.id === 1).accessToken;
}

async function addCashier(pin: string, role = 3, bindings?: number[]): Promise<number> {
  const saved = await sim.call('SaveOperator', {
    name: `Кассир ${pin}`,
    access_pin: pin,
    role,
    ...(bindings ? { bindings } : {}),
  });
  expect(saved.response_code).toBe(0);
  return saved.response_data.id;
}

describe('Authorization header', () => {
  it('accepts the PIN bare and after "Bearer " (any case)', async () => {
    for (const auth of ['0000', 'Bearer 0000', 'bearer 0000', '  Bearer   0000 ']) {
      expect((await sim.call('GetOFDList', undefined, { auth })).response_code).toBe(0);
    }
  });

  it('accepts the operator token bare and as a Bearer token', async () => {
    const token = await adminToken();
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect((await sim.call('GetKKMList', {}, { auth: token })).response_code).toBe(0);
    expect((await sim.call('GetKKMList', {}, { auth: `Bearer ${token}` })).response_code).toBe(0);
  });

  it('answers 5 invalid_access_code for a wrong PIN, a wrong token or no header', async () => {
    for (const auth of ['1111', 'Bearer nope', null, '']) {
      const answer = await sim.call('GetKKMList', {}, { auth });
      expect(answer.response_code).toBe(5);
      expect(answer.response_data).toMatch(/^invalid_access_code/);
    }
  });

  it('Ping needs no authorization', async () => {
    expect((await sim.call('Ping', {}, { auth: null })).response_code).toBe(0);
    expect((await sim.call('Ping', {}, { auth: 'wrong' })).response_code).toBe(0);
  });

  it('the --admin-pin option sets the administrator PIN', async () => {
    const other = await startSim({ adminPin: '4321' });
    try {
      expect((await other.call('GetOFDList', {}, { auth: '4321' })).response_code).toBe(0);
      expect((await other.call('GetOFDList', {}, { auth: '0000' })).response_code).toBe(5);
    } finally {
      await other.close();
    }
  });

  it('a cashier authenticates with his own PIN and his operations carry his name', async () => {
    const id = await addCashier('5555', 3, [1]);
    const sale = await sim.call('TradeOperation', simpleSale(), { auth: 'Bearer 5555' });
    expect(sale.response_code).toBe(0);
    expect(sale.response_data.operator_name).toBe('Кассир 5555');
    expect(sale.response_data.body.operator).toEqual({ code: id, name: 'Кассир 5555' });
  });
});

describe('operators', () => {
  it('SaveOperator creates, edits (by ID or id) and lists operators with roles and bindings', async () => {
    const id = await addCashier('2222', 2);
    const edited = await sim.call('SaveOperator', {
      ID: id,
      name: 'Старший',
      access_pin: '2223',
      role: 2,
      email: 'a@b.kz',
      bindings: [1],
    });
    expect(edited.response_code).toBe(0);
    expect(edited.response_data).toMatchObject({
      id,
      ID: id,
      name: 'Старший',
      access_pin: '2223',
      role: 2,
      email: 'a@b.kz',
      bindings: [1],
      owner_id: 1,
    });
    const list = (await sim.call('GetOperatorList')).response_data;
    expect(list.find((o: Json) => o.ID === id)).toEqual({
      name: 'Старший',
      role: 2,
      email: 'a@b.kz',
      bindings: [1],
      owner_id: 1,
      access_pin: '2223',
      custom_data: null,
      ID: id,
    });
    expect((await sim.call('GetOFDList', {}, { auth: '2222' })).response_code).toBe(5);
    expect((await sim.call('GetOFDList', {}, { auth: '2223' })).response_code).toBe(0);
  });

  it('validates PIN (11), duplicate PIN or email (12), role (39) and unknown IDs (15)', async () => {
    await addCashier('3333');
    await sim.call('SaveOperator', { name: 'x', access_pin: '3334', role: 3, email: 'x@y.kz' });
    expect((await sim.call('SaveOperator', { name: 'a', access_pin: '12', role: 3 })).response_code).toBe(11);
    expect((await sim.call('SaveOperator', { name: 'a', access_pin: 'abcd', role: 3 })).response_code).toBe(
      11,
    );
    expect((await sim.call('SaveOperator', { name: 'a', role: 3 })).response_code).toBe(11);
    expect((await sim.call('SaveOperator', { name: 'a', access_pin: '3333', role: 3 })).response_code).toBe(
      12,
    );
    expect((await sim.call('SaveOperator', { name: 'a', access_pin: '0000', role: 3 })).response_code).toBe(
      12,
    );
    expect(
      (await sim.call('SaveOperator', { name: 'a', access_pin: '3335', role: 3, email: 'X@Y.kz' }))
        .response_code,
    ).toBe(12);
    expect((await sim.call('SaveOperator', { name: 'a', access_pin: '3336', role: 7 })).response_code).toBe(
      39,
    );
    expect(
      (await sim.call('SaveOperator', { ID: 99, name: 'a', access_pin: '3337', role: 3 })).response_code,
    ).toBe(15);
    expect(
      (await sim.call('SaveOperator', { name: 'a', access_pin: '3338', role: 3, bindings: [42] }))
        .response_code,
    ).toBe(72);
    // The last administrator keeps his role.
    expect(
      (await sim.call('SaveOperator', { ID: 1, name: 'Administrator', access_pin: '0000', role: 3 }))
        .response_code,
    ).toBe(39);
  });

  it('DeleteOperator: unknown 15, self or last administrator 16, removes the bindings', async () => {
    const id = await addCashier('4444', 3, [1]);
    expect((await sim.call('DeleteOperator', { ID: 77 })).response_code).toBe(15);
    expect((await sim.call('DeleteOperator', { ID: 1 })).response_code).toBe(16);
    expect((await sim.call('DeleteOperator', {})).response_code).toBe(2);
    expect(
      (await sim.call('DeleteOperator', undefined, { http: 'GET', query: `ID=${id}` })).response_code,
    ).toBe(0);
    const kkm = (await sim.call('GetKKMList', { ofd_id: 6923 })).response_data[0];
    expect(kkm.bindings).toEqual([]);
    expect((await sim.call('GetOFDList', {}, { auth: '4444' })).response_code).toBe(5);
  });

  it('register bindings: unbound cashier 72, bound elsewhere 71, bound 0', async () => {
    const cashier = await addCashier('6666');
    // Bound to no register at all: no rights to use registers.
    const unbound = await sim.call('TradeOperation', simpleSale(), { auth: '6666' });
    expect(unbound.response_code).toBe(72);
    expect(unbound.response_data).toMatch(/^kkm_invalid_bindings/);

    // A second register the cashier is bound to; 6923 still denied.
    const second = await sim.call('SaveKKM', { ofd_id: 7000, ofd_token: 1234, bindings: [cashier] });
    expect(second.response_code).toBe(0);
    const denied = await sim.call('TradeOperation', simpleSale(), { auth: '6666' });
    expect(denied.response_code).toBe(71);
    expect(denied.response_data).toMatch(/^kkm_access_denied/);
    expect(
      (await sim.call('MoneyPlacement', { kkm_ofd_id: 6923, operation: 0, sum: 1 }, { auth: '6666' }))
        .response_code,
    ).toBe(71);
    expect((await sim.call('GetTransactionList', { kkm_ofd_id: 6923 }, { auth: '6666' })).response_code).toBe(
      71,
    );
    expect(
      (await sim.call('TradeOperation', simpleSale({ kkm: 7000 }), { auth: '6666' })).response_code,
    ).toBe(0);

    // Binding through SaveKKM (the register's side of the relation) grants access.
    expect((await sim.call('SaveKKM', { ofd_id: 6923, bindings: [cashier] })).response_code).toBe(0);
    expect((await sim.call('TradeOperation', simpleSale(), { auth: '6666' })).response_code).toBe(0);
    const operator = (await sim.call('GetOperatorList', {}, { auth: '6666' })).response_data;
    expect(operator).toHaveLength(1);
    expect(operator[0].bindings.sort()).toEqual([1, second.response_data.ID].sort());
  });

  it('cashiers cannot manage registers or operators (71) and see only their registers', async () => {
    await addCashier('7777', 2, [1]);
    await sim.call('SaveKKM', { ofd_id: 7001, ofd_token: 1 });
    for (const [method, body] of [
      ['SaveOperator', { name: 'x', access_pin: '8888', role: 3 }],
      ['DeleteOperator', { ID: 1 }],
      ['SaveKKM', { ofd_id: 6923, local_name: 'x' }],
      ['DeleteKKM', { ofd_id: 7001 }],
      ['ActivateLicense', { licenseKey: 'A7D3-5CFA-A13F-16C4' }],
      ['GetVendorId', {}],
    ] as const) {
      expect((await sim.call(method, body, { auth: '7777' })).response_code, method).toBe(71);
    }
    const registers = (await sim.call('GetKKMList', {}, { auth: '7777' })).response_data;
    expect(registers.map((k: Json) => k.ofd_id)).toEqual([6923]);
    expect((await sim.call('GetKKMList', {})).response_data.map((k: Json) => k.ofd_id)).toEqual([6923, 7001]);
  });

  it('SaveKKM: unknown bound operator 72, unknown OFD 78, new register without token 17, negative token 42', async () => {
    expect((await sim.call('SaveKKM', { ofd_id: 6923, bindings: [55] })).response_code).toBe(72);
    expect((await sim.call('SaveKKM', { ofd_id: 6923, ofd_uid: 'FFFF' })).response_code).toBe(78);
    expect((await sim.call('SaveKKM', { ofd_id: 8000 })).response_code).toBe(17);
    expect((await sim.call('SaveKKM', { ofd_id: 8000, ofd_token: -5 })).response_code).toBe(42);
    expect((await sim.call('SaveKKM', { ofd_id: '8000' })).response_code).toBe(2);
    const created = await sim.call('SaveKKM', { ofd_id: 8000, ofd_token: 5, local_name: 'Склад' });
    expect(created.response_code).toBe(0);
    expect(created.response_data).toMatchObject({
      ofd_id: 8000,
      local_name: 'Склад',
      // A new register has never had a shift: the next one is 1 (closedShift "next").
      fr_shift_number: 1,
      shift_state: 0,
      ID: 2,
    });
    expect(created.response_data.vendor_id).toMatch(/^ISCR\d{13}$/);
    expect(created.response_data.reg_info.kkm.kkm_id).toBe('8000');
  });

  it('DeleteKKM: unknown 61, open shift 76', async () => {
    expect((await sim.call('DeleteKKM', { ofd_id: 1 })).response_code).toBe(61);
    await sim.call('TradeOperation', simpleSale());
    expect((await sim.call('DeleteKKM', { ofd_id: 6923 })).response_code).toBe(76);
    await sim.call('ZXReport', { kkm_ofd_id: 6923, report_type: 0 });
    expect(
      (await sim.call('DeleteKKM', undefined, { http: 'GET', query: 'ofd_id=6923' })).response_code,
    ).toBe(0);
  });

  it('ActivateLicense rejects a malformed key (90)', async () => {
    expect((await sim.call('ActivateLicense', { licenseKey: 'nope' })).response_code).toBe(90);
    expect((await sim.call('ActivateLicense', {})).response_code).toBe(90);
  });
});
