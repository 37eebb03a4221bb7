import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_TYPES, type CanonicalCommandInput, type CommandType } from '@kassa-relay/protocol';
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

  it('every canonical command type gets exactly one final result', async () => {
    const examples: Record<CommandType, CanonicalCommandInput> = {
      'shift.open': { type: 'shift.open', cashier: 'Алия' },
      'shift.close': { type: 'shift.close' },
      'shift.forceClose': { type: 'shift.forceClose' },
      receipt: sale(1_500),
      'payment.cancel': { type: 'payment.cancel', rrn: 'LINK_1', amount: 1_500 },
      'cash.in': { type: 'cash.in', amount: 10_000 },
      'cash.out': { type: 'cash.out', amount: 5_000 },
      'report.x': { type: 'report.x' },
      'report.z': { type: 'report.z' },
      'register.info': { type: 'register.info' },
      'operators.sync': {
        type: 'operators.sync',
        upsert: [{ name: 'Оператор Б', role: 'cashier', pin: '2468' }],
      },
      'operators.list': { type: 'operators.list' },
      'receipt.image': { type: 'receipt.image', document: { last: true } },
      'receipt.reprint': { type: 'receipt.reprint', document: { last: true } },
      'command.resolve': { type: 'command.resolve', commandId: 'no-such-command', decision: 'notDone' },
    };
    for (const type of COMMAND_TYPES) {
      const id = await world.cloud.send(registerId, examples[type]);
      const result = await world.cloud.waitForResult(id);
      // Either done, or a clear canonical refusal (e.g. NOT_SUPPORTED, SHIFT_NOT_OPEN): never silence.
      expect(['done', 'failed'], type).toContain(result.status);
      if (!result.outcome.ok) expect(result.outcome.error.message.length, type).toBeGreaterThan(0);
      expect(world.cloud.resultsFor(id), type).toHaveLength(1);
    }
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
