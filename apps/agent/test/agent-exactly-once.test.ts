import { afterEach, describe, expect, it } from 'vitest';
import { type AgentWorld, createAgentWorld, journalEntries, simControl, waitFor, sale } from './harness';

const receiptsIn = async (sim: { url: string }) =>
  (await journalEntries(sim)).filter((entry) => entry.kind === 'sale' || entry.kind === 'sell').length;

describe.each([
  ['reg-ikkm', 'ikkm'],
  ['reg-cc', 'cash-core'],
] as const)('exactly once on %s', (registerId, kind) => {
  let world: AgentWorld | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });
  const sim = (w: AgentWorld) => (kind === 'ikkm' ? w.ikkm : w.cashCore);

  it('the same command id delivered twice → one receipt, the stored result published again', async () => {
    world = await createAgentWorld({ agentId: `dup-${kind}` });
    await world.startAgent();
    const id = await world.cloud.send(registerId, sale(12_300));
    const first = await world.cloud.waitForResult(id);
    expect(first.status, JSON.stringify(first.outcome)).toBe('done');
    await world.cloud.send(registerId, sale(12_300), { id });
    await waitFor(() => world!.cloud.resultsFor(id).length >= 2, 10_000, 'the replayed result');
    const [a, b] = world.cloud.resultsFor(id);
    expect(b).toEqual(a);
    expect(await receiptsIn(sim(world))).toBe(1);
  });

  it.each(['received', 'checkpoint', 'device-answered', 'done'])(
    'SIGKILL at "%s", restart → exactly one receipt and one final result',
    async (point) => {
      // A crash at the checkpoint leaves a call that may or may not have left: the cash core's
      // processing window must pass before "not done" can be proven (short here, 120 s by default).
      world = await createAgentWorld({
        agentId: `crash-${kind}-${point}`,
        cashCore: { processingWindowMs: 1_500 },
      });
      const w = world;
      let id = '';
      await w.crashAgentAt(point, async () => {
        id = await w.cloud.send(registerId, sale(45_600));
      });
      expect(w.cloud.resultsFor(id)).toHaveLength(0);
      await w.startAgent();
      const result = await w.cloud.waitForResult(id);
      expect(result.status, JSON.stringify(result.outcome)).toBe('done');
      expect(result.outcome.ok && result.outcome.result.total).toBe(45_600);
      // Give a duplicate every chance to show up before counting.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(w.cloud.resultsFor(id)).toHaveLength(1);
      expect(await receiptsIn(sim(w))).toBe(1);
    },
  );

  it('a device that commits and drops its answer is reconciled, not repeated', async () => {
    world = await createAgentWorld({ agentId: `drop-${kind}` });
    await world.startAgent();
    await simControl(sim(world), 'POST', '/faults', {
      kind: 'commit-then-drop',
      match: kind === 'ikkm' ? '/api' : 'TradeOperation',
    });
    const id = await world.cloud.send(registerId, sale(7_700));
    const result = await world.cloud.waitForResult(id);
    expect(result.status, JSON.stringify(result.outcome)).toBe('done');
    expect(result.reconciled).toBe(true);
    expect(await receiptsIn(sim(world))).toBe(1);
  });

  it('past its deadline a command is not executed', async () => {
    world = await createAgentWorld({ agentId: `late-${kind}` });
    await world.startAgent();
    const id = await world.cloud.send(registerId, sale(1_000), { deadlineMs: -1_000 });
    const result = await world.cloud.waitForResult(id);
    expect(result.status).toBe('expired');
    expect(!result.outcome.ok && result.outcome.error.code).toBe('DEADLINE_EXCEEDED');
    expect(await receiptsIn(sim(world))).toBe(0);
  });
});
