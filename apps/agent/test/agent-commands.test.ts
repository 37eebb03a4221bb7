import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalCommandInput } from '@kassa-relay/protocol';
import { type AgentWorld, createAgentWorld, journalEntries, sale } from './harness';

/** Every canonical command through the real chain: broker → agent process → simulator → back. */
describe.each([
  ['reg-ikkm', 'ikkm'],
  ['reg-cc', 'cash-core'],
] as const)('agent round trip on %s', (registerId, kind) => {
  let world: AgentWorld;
  beforeAll(async () => {
    world = await createAgentWorld({ agentId: `rt-${kind}` });
    await world.startAgent();
  });
  afterAll(async () => world?.close());

  const sim = () => (kind === 'ikkm' ? world.ikkm : world.cashCore);

  const run = async (command: CanonicalCommandInput) => {
    const id = await world.cloud.send(registerId, command);
    try {
      return await world.cloud.waitForResult(id);
    } catch (error) {
      throw new Error(
        `${(error as Error).message} (${command.type})\n${world.agent?.output.slice(-15).join('\n')}`,
      );
    }
  };

  it('fiscal commands: shift, cash in/out, sale, return, X, close shift, Z of the last shift', async () => {
    const open = await run({ type: 'shift.open', cashier: 'Алия' });
    expect(open.status).toBe('done');

    const cashIn = await run({ type: 'cash.in', amount: 1_000_000 });
    expect(cashIn.status, JSON.stringify(cashIn.outcome)).toBe('done');

    const receipt = await run(sale());
    expect(receipt.status, JSON.stringify(receipt.outcome)).toBe('done');
    expect(receipt.outcome.ok && receipt.outcome.result.total).toBe(50_000);
    expect(receipt.outcome.ok && receipt.outcome.result.shiftNumber).toBeGreaterThan(0);

    const refund = await run({
      ...(sale(20_000) as object),
      operation: 'saleReturn',
    } as CanonicalCommandInput);
    expect(refund.status, JSON.stringify(refund.outcome)).toBe('done');

    const cashOut = await run({ type: 'cash.out', amount: 100_000 });
    expect(cashOut.status, JSON.stringify(cashOut.outcome)).toBe('done');

    const x = await run({ type: 'report.x' });
    expect(x.status, JSON.stringify(x.outcome)).toBe('done');

    const close = await run({ type: 'shift.close', cashier: 'Алия' });
    expect(close.status, JSON.stringify(close.outcome)).toBe('done');
    expect(close.outcome.ok && close.outcome.result.counters?.sumSales).toBe(50_000);

    const z = await run({ type: 'report.z' });
    expect(z.status, JSON.stringify(z.outcome)).toBe('done');
    expect(z.outcome.ok && z.outcome.result.counters?.sumSales).toBe(50_000);

    const kinds = (await journalEntries(sim())).map((entry) => entry.kind);
    expect(kinds.filter((k) => /sale$/i.test(k) || k === 'sell').length).toBeGreaterThanOrEqual(1);
  });

  it('reads: register info, operators; unsupported commands answer NOT_SUPPORTED', async () => {
    const info = await run({ type: 'register.info' });
    expect(info.status, JSON.stringify(info.outcome)).toBe('done');
    expect(info.outcome.ok && info.outcome.result.identity?.serialNumber).toBeTruthy();

    const operators = await run({ type: 'operators.list' });
    expect(operators.status, JSON.stringify(operators.outcome)).toBe('done');
    expect(operators.outcome.ok && operators.outcome.result.operators?.length).toBeGreaterThan(0);

    const cancel = await run({ type: 'payment.cancel', rrn: 'LINK_1', amount: 100 });
    expect(cancel.status).toBe('failed');
    expect(!cancel.outcome.ok && cancel.outcome.error.code).toBe('NOT_SUPPORTED');
  });

  it('a register error comes back with the device code and text, and changes nothing', async () => {
    const before = (await journalEntries(sim())).length;
    const outcome = await run({ type: 'cash.out', amount: 900_000_000 });
    expect(outcome.status).toBe('failed');
    expect(!outcome.outcome.ok && outcome.outcome.error.code).toBe('INSUFFICIENT_CASH');
    expect(!outcome.outcome.ok && outcome.outcome.error.device?.code).toBe(kind === 'ikkm' ? -15 : 58);
    expect((await journalEntries(sim())).length).toBe(before);
  });
});
