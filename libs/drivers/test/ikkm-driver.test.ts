import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CanonicalCommand, CommandOutcome } from '@kassa-relay/protocol';
import { receiptSchema } from '@kassa-relay/protocol';
import { startIkkmSimulator } from '@kassa-relay/ikkm-sim';
import { tempDir } from '@kassa-relay/testing';
import { IkkmDriver } from '../src/ikkm/ikkm-driver';
import type { ExecuteContext, ReconcileCheckpoint } from '../src/register-driver';

const INITIAL_KEY = '11112222';

interface World {
  sim: { url: string; close(): Promise<void> };
  driver: IkkmDriver;
  keys: string[];
  checkpoints: ReconcileCheckpoint[];
  context: ExecuteContext;
  dir: { path: string; remove(): void };
  /** The simulated device clock runs ahead by this much; the driver shares it (same LAN, same NTP). */
  clock: { offsetMs: number };
}

async function control<T = unknown>(url: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${url}/_sim${path}`, {
    method,
    ...(body !== undefined
      ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
      : {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}
const journal = async (url: string) =>
  (await control<{ entries: { kind: string; total: number }[] }>(url, 'GET', '/journal')).entries;

const sale = (amount: number, extra: Partial<CanonicalCommand> = {}): CanonicalCommand =>
  receiptSchema.parse({
    type: 'receipt',
    operation: 'sale',
    items: [{ name: 'Кофе', quantity: 2000, price: amount / 2, sum: amount }],
    payments: [{ kind: 'cash', amount }],
    total: amount,
    ...extra,
  });

const ok = (outcome: CommandOutcome) => {
  if (!outcome.ok) throw new Error(`expected success, got ${JSON.stringify(outcome.error)}`);
  return outcome.result;
};
const err = (outcome: CommandOutcome) => {
  if (outcome.ok) throw new Error(`expected an error, got ${JSON.stringify(outcome.result)}`);
  return outcome.error;
};

describe('IkkmDriver against the iKKM simulator', () => {
  let w: World;

  beforeEach(async () => {
    const dir = tempDir('ikkm-driver-');
    const sim = await startIkkmSimulator({ port: 0, key: INITIAL_KEY, stateDir: join(dir.path, 'sim') });
    const keys: string[] = [INITIAL_KEY];
    const checkpoints: ReconcileCheckpoint[] = [];
    const clock = { offsetMs: 0 };
    const driver = new IkkmDriver({
      now: () => new Date(Date.now() + clock.offsetMs),
      baseUrl: sim.url,
      inn: '123434556789',
      timeoutMs: 2_000,
      keyStore: { load: () => keys[keys.length - 1] as string, save: (key) => void keys.push(key) },
    });
    w = {
      sim,
      driver,
      keys,
      checkpoints,
      dir,
      clock,
      context: { commandId: 'c1', checkpoint: (data) => void checkpoints.push(data) },
    };
  });
  afterEach(async () => {
    await w.sim.close().catch(() => undefined);
    w.dir.remove();
  });

  it('sells: one registration, the key rotates and is saved, check number and shift come back', async () => {
    const result = ok(await w.driver.execute(sale(292_000), w.context));
    expect(result.total).toBe(292_000);
    expect(result.checkNumber).toBeGreaterThan(0);
    expect(result.shiftNumber).toBeGreaterThan(0);
    expect(result.identity?.serialNumber).toBeTruthy();
    expect(result.identity?.inn).toBe('123434556789');
    expect(w.keys).toHaveLength(2);
    expect(w.keys[1]).not.toBe(INITIAL_KEY);
    expect(w.checkpoints).toEqual([
      expect.objectContaining({ kind: 'ikkm', keyUsed: INITIAL_KEY, path: '/api' }),
    ]);
    const entries = await journal(w.sim.url);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ kind: 'sale', total: 292_000 });
  });

  it('cash in, cash out, X report, close shift with counters, last Z report, info, cashiers, reprint', async () => {
    ok(await w.driver.execute({ type: 'cash.in', amount: 500_000 }, w.context));
    ok(await w.driver.execute(sale(100_000), w.context));
    ok(await w.driver.execute({ type: 'cash.out', amount: 20_000 }, w.context));
    const x = ok(await w.driver.execute({ type: 'report.x' }, w.context));
    expect(x.counters?.sumSales).toBe(100_000);
    const close = ok(await w.driver.execute({ type: 'shift.close' }, w.context));
    expect(close.counters).toMatchObject({
      sumSales: 100_000,
      countSales: 1,
      sumInsert: 500_000,
      sumRemove: 20_000,
    });
    const z = ok(await w.driver.execute({ type: 'report.z' }, w.context));
    expect(z.shiftNumber).toBe(close.shiftNumber);
    expect(z.counters?.sumSales).toBe(100_000);
    const info = ok(await w.driver.execute({ type: 'register.info' }, w.context));
    expect(info.shift?.open).toBe(false);
    expect(info.health?.reachable).toBe(true);
    const cashiers = ok(await w.driver.execute({ type: 'operators.list' }, w.context));
    expect(cashiers.operators?.length).toBeGreaterThan(0);
    ok(await w.driver.execute({ type: 'receipt.reprint', document: { last: true } }, w.context));
    expect(err(await w.driver.execute({ type: 'shift.close' }, w.context)).code).toBe('SHIFT_NOT_OPEN');
  });

  it('refuses what the iKKM cannot do without calling it', async () => {
    expect(
      err(await w.driver.execute({ type: 'payment.cancel', rrn: 'x', amount: 100 }, w.context)).code,
    ).toBe('NOT_SUPPORTED');
    expect(
      err(await w.driver.execute({ type: 'receipt.image', document: { last: true } }, w.context)).code,
    ).toBe('NOT_SUPPORTED');
    expect(
      err(await w.driver.execute({ type: 'operators.sync', upsert: [], delete: [] }, w.context)).code,
    ).toBe('NOT_SUPPORTED');
    const bonus = sale(1_000, {
      payments: [{ kind: 'bonuses', amount: 1_000 }],
    } as Partial<CanonicalCommand>);
    expect(err(await w.driver.execute(bonus, w.context)).code).toBe('PAYMENT_TYPE_UNSUPPORTED');
    expect(err(await w.driver.execute({ type: 'cash.in', amount: 10_050 }, w.context)).code).toBe(
      'INVALID_REQUEST',
    );
    expect(await journal(w.sim.url)).toHaveLength(0);
    expect(w.keys).toHaveLength(1);
  });

  it('device errors keep their code and text: payment rules, printer, battery, OFD block, wrong key', async () => {
    const short = sale(10_000, { payments: [{ kind: 'card', amount: 20_000 }] } as Partial<CanonicalCommand>);
    const exceeds = err(await w.driver.execute(short, w.context));
    expect(exceeds.device?.code).toBe(-13);
    expect(exceeds.code).toBe('PAYMENT_EXCEEDS_TOTAL');
    // The device's Cyrillic reason phrase arrives as UTF-8 bytes and is decoded, not mojibake.
    expect(exceeds.device?.text).toBe(
      'банк или тара или кредит больше чем итоговая сумма (или чек уже оплачен наличностью)',
    );

    for (const [code, canonical] of [
      [-6, 'PRINTER_NOT_READY'],
      [-5, 'LOW_BATTERY'],
      [-105, 'REGISTER_BLOCKED'],
    ] as const) {
      await control(w.sim.url, 'POST', '/faults', { kind: 'error', code, match: '/api' });
      const error = err(await w.driver.execute(sale(1_000), w.context));
      expect(error.code).toBe(canonical);
      expect(error.device).toMatchObject({ kind: 'ikkm', code });
      expect(error.device?.text.length).toBeGreaterThan(0);
    }
    w.keys.push('99999999');
    expect(err(await w.driver.execute(sale(1_000), w.context)).code).toBe('INVALID_DEVICE_KEY');
    expect(await journal(w.sim.url)).toHaveLength(0);
  });

  it('a shift open for more than 24 hours: -3, and status warns', async () => {
    ok(await w.driver.execute(sale(1_000), w.context));
    await control(w.sim.url, 'POST', '/clock', { advanceMs: 21 * 3600_000 });
    w.clock.offsetMs += 21 * 3600_000;
    const near = await w.driver.status();
    expect(near.shift?.open).toBe(true);
    expect(near.warnings).toContain('shiftNearLimit');
    expect(near.shiftHoursLeft).toBeLessThan(4);
    await control(w.sim.url, 'POST', '/clock', { advanceMs: 4 * 3600_000 });
    const error = err(await w.driver.execute(sale(1_000), w.context));
    expect(error.code).toBe('SHIFT_TOO_LONG');
    expect(error.device?.code).toBe(-3);
  });

  it('unreachable device: REGISTER_UNREACHABLE, status says unreachable', async () => {
    await w.sim.close();
    const error = err(await w.driver.execute(sale(1_000), w.context));
    expect(error.code).toBe('REGISTER_UNREACHABLE');
    const health = await w.driver.status();
    expect(health.reachable).toBe(false);
  });

  it('commit-then-drop: the answer is lost, reconcile repeats with the same key → 203, one receipt', async () => {
    await control(w.sim.url, 'POST', '/faults', { kind: 'commit-then-drop', match: '/api' });
    const lost = err(await w.driver.execute(sale(5_000), w.context));
    expect(lost.code).toBe('RESULT_UNKNOWN');
    expect(w.keys).toHaveLength(1);
    const verdict = await w.driver.reconcile({
      command: sale(5_000),
      commandId: 'c1',
      checkpoint: w.checkpoints[0],
      deadlinePassed: false,
      attempt: 0,
    });
    expect(verdict.state).toBe('done');
    if (verdict.state !== 'done') return;
    const result = ok(verdict.outcome);
    expect(result.replayed).toBe(true);
    expect(result.checkNumber).toBeGreaterThan(0);
    expect(w.keys).toHaveLength(2);
    expect(await journal(w.sim.url)).toHaveLength(1);
  });

  it('drop (never arrived): the same-key repeat registers it exactly once, even past the deadline', async () => {
    await control(w.sim.url, 'POST', '/faults', { kind: 'drop', match: '/api' });
    expect(err(await w.driver.execute(sale(5_000), w.context)).code).toBe('RESULT_UNKNOWN');
    const checkpoint = w.checkpoints[0];
    // No look-only probe (the seed does not say what /apicheck answers to a used key): the repeat
    // is the check, and the device never registers a key twice — past the deadline it may only
    // finish what was sent (register-driver.ts).
    const late = await w.driver.reconcile({
      command: sale(5_000),
      commandId: 'c1',
      checkpoint,
      deadlinePassed: true,
      attempt: 0,
    });
    expect(late.state).toBe('done');
    expect(await journal(w.sim.url)).toHaveLength(1);
    const again = await w.driver.reconcile({
      command: sale(5_000),
      commandId: 'c1',
      checkpoint,
      deadlinePassed: true,
      attempt: 1,
    });
    expect(again.state).toBe('done');
    expect(await journal(w.sim.url)).toHaveLength(1);
  });

  it('committed but answer lost, past the deadline: the repeat is answered 203 → done, replayed', async () => {
    await control(w.sim.url, 'POST', '/faults', { kind: 'commit-then-drop', match: '/api' });
    err(await w.driver.execute(sale(5_000), w.context));
    const verdict = await w.driver.reconcile({
      command: sale(5_000),
      commandId: 'c1',
      checkpoint: w.checkpoints[0],
      deadlinePassed: true,
      attempt: 0,
    });
    expect(verdict.state).toBe('done');
    expect(await journal(w.sim.url)).toHaveLength(1);
  });

  it('Z report lost: reconcile reads the shift state instead of closing again', async () => {
    ok(await w.driver.execute(sale(1_000), w.context));
    await control(w.sim.url, 'POST', '/faults', { kind: 'commit-then-drop', match: '/apizreport' });
    err(await w.driver.execute({ type: 'shift.close' }, w.context));
    const checkpoint = w.checkpoints.find((c) => c.kind === 'ikkm' && c.path === '/apizreport');
    const verdict = await w.driver.reconcile({
      command: { type: 'shift.close' },
      commandId: 'c2',
      checkpoint,
      deadlinePassed: false,
      attempt: 0,
    });
    expect(verdict.state).toBe('done');
    const zReports = (await journal(w.sim.url)).filter((entry) => entry.kind === 'zreport');
    expect(zReports).toHaveLength(1);
  });

  it('no checkpoint means nothing was sent: notDone', async () => {
    const verdict = await w.driver.reconcile({
      command: sale(1_000),
      commandId: 'c1',
      checkpoint: undefined,
      deadlinePassed: false,
      attempt: 0,
    });
    expect(verdict.state).toBe('notDone');
  });

  it('more than 79 positions: one summary line is sent and the sale still registers', async () => {
    const items = Array.from({ length: 100 }, (_, i) => ({
      name: `Товар ${i + 1}`,
      quantity: 1000,
      price: 100,
      sum: 100,
    }));
    const big = receiptSchema.parse({
      type: 'receipt',
      operation: 'sale',
      items,
      payments: [{ kind: 'cash', amount: 10_000 }],
      total: 10_000,
    });
    ok(await w.driver.execute(big, w.context));
    const checkpoint = w.checkpoints[0];
    const itemdata = checkpoint?.kind === 'ikkm' ? JSON.parse(checkpoint.params['itemdata'] ?? '[]') : [];
    expect(itemdata).toHaveLength(1);
    expect(await journal(w.sim.url)).toHaveLength(1);
  });
});
