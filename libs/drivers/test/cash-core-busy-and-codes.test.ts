import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CASH_CORE_OUTCOME_UNKNOWN_CODES, cashCoreError, registerHealthSchema } from '@kassa-relay/protocol';
import { ADMIN_PIN, type CashCoreWorld, err, ok, sale, startCashCoreWorld } from './helpers/cash-core-world';
import { waitFor } from '@kassa-relay/testing';

/**
 * Seed 003 response codes as the driver must read them: on a fiscal call the codes that do not
 * prove nothing happened are RESULT_UNKNOWN; on a read, 66/69 mean "busy, nothing done"; a core
 * answering 66/69 is reachable; 42 is the register's OFD token, not a PIN.
 */

let w: CashCoreWorld;
beforeEach(async () => {
  w = await startCashCoreWorld();
});
afterEach(async () => {
  await w.close();
});

/** Another client's call that keeps the core busy for `ms` (a delayed MoneyPlacement). */
async function holdTheCore(ms: number): Promise<void> {
  await w.fault({ kind: 'delay', delayMs: ms, match: 'MoneyPlacement' });
  void fetch(`${w.url}/MoneyPlacement`, {
    method: 'POST',
    headers: { authorization: ADMIN_PIN, 'content-type': 'application/json' },
    body: JSON.stringify({ kkm_ofd_id: 6923, operation: 0, sum: 1 }),
  }).catch(() => undefined);
  await waitFor(async () => (await w.state()).busy.running !== null, 5_000, 'the simulator to be busy');
}

describe('fiscal calls answered with a code that leaves the outcome unknown', () => {
  it('the set is the one the issue names', () => {
    expect([...CASH_CORE_OUTCOME_UNKNOWN_CODES].sort((a, b) => a - b)).toEqual([
      1, 4, 19, 22, 24, 29, 66, 69,
    ]);
  });

  it.each([1, 4, 19, 22, 24, 29, 66, 69])(
    'TradeOperation answered %i → RESULT_UNKNOWN with the device code and text; reconciled, never sent blindly',
    async (code) => {
      await w.fault({ kind: 'error', code, match: 'TradeOperation' });
      const error = err(await w.execute(sale(1_000)));
      expect(error).toMatchObject({ code: 'RESULT_UNKNOWN', device: { kind: 'cash-core', code } });
      expect(error.device?.text).toBeTruthy();
      expect(w.checkpoints).toHaveLength(1);
      // Nothing happened on the core (an injected refusal): in doubt inside the window, then notDone.
      const states: string[] = [];
      for (let attempt = 0; attempt < 40; attempt += 1) {
        const verdict = await w.driver.reconcile(w.reconcileEntry(sale(1_000), undefined, attempt));
        states.push(verdict.state);
        if (verdict.state !== 'inDoubt') break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(states[0]).toBe('inDoubt');
      expect(states.at(-1)).toBe('notDone');
      expect(await w.journal()).toHaveLength(0);
      ok(await w.execute(sale(1_000)));
      expect(await w.journal()).toHaveLength(1);
    },
  );

  it.each([
    ['MoneyPlacement', { type: 'cash.in' as const, amount: 5_000 }],
    ['ZXReport', { type: 'report.x' as const }],
  ])('%s answered 1 or 69 → RESULT_UNKNOWN too', async (method, command) => {
    ok(await w.execute(sale(1_000)));
    for (const code of [1, 69]) {
      await w.fault({ kind: 'error', code, match: method });
      expect(err(await w.execute(command))).toMatchObject({ code: 'RESULT_UNKNOWN', device: { code } });
    }
  });

  it('other refusals of a fiscal call stay what they are (58 not enough cash: nothing happened)', async () => {
    await w.fault({ kind: 'error', code: 58, match: 'MoneyPlacement' });
    expect(err(await w.execute({ type: 'cash.out', amount: 1 }))).toMatchObject({
      code: 'INSUFFICIENT_CASH',
      device: { code: 58 },
    });
  });

  it('a read answered 1 is a device error, not an unknown outcome (nothing was sent)', async () => {
    await w.fault({ kind: 'error', code: 1, match: 'GetKKMList' });
    expect(err(await w.execute(sale(1_000)))).toMatchObject({ code: 'DEVICE_ERROR', device: { code: 1 } });
    expect(w.checkpoints).toHaveLength(0);
  });
});

describe('a busy core', () => {
  it.each([66, 69])(
    'GetKKMList before a fiscal call answered %i → REGISTER_BUSY, nothing sent',
    async (code) => {
      await w.fault({ kind: 'error', code, match: 'GetKKMList' });
      const error = err(await w.execute(sale(1_000)));
      expect(error).toMatchObject({ code: 'REGISTER_BUSY', retryable: true, device: { code } });
      expect(w.checkpoints).toHaveLength(0);
      expect(await w.journal()).toHaveLength(0);
    },
  );

  it('while another call runs, a command is REGISTER_BUSY before anything is sent, and runs once the core is free', async () => {
    await holdTheCore(800);
    const busy = err(await w.execute(sale(2_000)));
    expect(busy).toMatchObject({
      code: 'REGISTER_BUSY',
      device: { code: 66, constant: 'operation_in_progress' },
    });
    expect(w.checkpoints).toHaveLength(0);
    const settled = await w.settle(sale(2_000));
    expect(settled.final).toBe('done');
    expect((await w.journal()).map((e) => e.kind).sort()).toEqual(['deposit', 'sale']);
  });

  it('status: a core answering 66/69 is reachable and busy, shown as last seen; then healthy again', async () => {
    ok(await w.execute({ type: 'cash.in', amount: 12_300 }));
    expect((await w.driver.status()).reachable).toBe(true);
    await holdTheCore(900);
    const busy = await w.driver.status();
    expect(registerHealthSchema.parse(busy)).toBeTruthy();
    expect(busy).toMatchObject({
      reachable: true,
      shift: { number: 118, open: true },
      cashBalance: 12_300,
      lastError: { code: 'REGISTER_BUSY', device: { code: 66 } },
    });
    // Ping refused as well, and 69 after a while: still reachable.
    await w.control('POST', '/busy', { ping: 'busy', tooLongAfterMs: 0 });
    const tooLong = await w.driver.status();
    expect(tooLong).toMatchObject({
      reachable: true,
      lastError: { code: 'REGISTER_BUSY', device: { code: 69 } },
    });
    await waitFor(async () => (await w.state()).busy.running === null, 5_000, 'the simulator to be idle');
    const free = await w.driver.status();
    expect(free.reachable).toBe(true);
    expect(free.lastError).toBeUndefined();
    expect(free.cashBalance).toBe(12_400);
  });

  it('a command refused busy does not leave the busy error in the health once the core answers', async () => {
    await w.fault({ kind: 'error', code: 66, match: 'GetKKMList' });
    expect(err(await w.execute(sale(1_000))).code).toBe('REGISTER_BUSY');
    expect((await w.driver.status()).lastError).toBeUndefined();
  });
});

describe('code 42 invalid_kkm_token', () => {
  it("is the register's OFD token: REGISTER_NOT_CONFIGURED with what to do, not a wrong PIN", async () => {
    await w.fault({ kind: 'error', code: 42, match: 'TradeOperation' });
    const error = err(await w.execute(sale(1_000)));
    expect(error.code).toBe('REGISTER_NOT_CONFIGURED');
    expect(error.code).not.toBe('INVALID_CREDENTIALS');
    expect(error.device).toMatchObject({ code: 42, constant: 'invalid_kkm_token' });
    expect(error.message).toContain('токен кассы');
    expect(error.message).toContain('ОФД');
    expect(error.message).toContain('PIN-код кассира здесь ни при чём');
    // The wrong PIN stays what it is.
    expect(cashCoreError(5).code).toBe('INVALID_CREDENTIALS');
  });

  it('SaveKKM refusing a bad OFD token answers 42 (the simulator), mapped the same way', () => {
    expect(cashCoreError(42, 'invalid_kkm_token: ofd_token must be a positive integer')).toMatchObject({
      code: 'REGISTER_NOT_CONFIGURED',
      retryable: false,
      device: { text: 'invalid_kkm_token: ofd_token must be a positive integer' },
    });
  });
});
