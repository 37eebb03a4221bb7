import type { CanonicalCommandInput, HeartbeatEnvelope } from '@kassa-relay/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AgentWorld,
  CASH_CORE_KKM,
  CASH_CORE_PIN,
  createAgentWorld,
  IKKM_KEY,
  sale,
  simControl,
  waitFor,
} from './harness';

interface SimJournalEntry {
  kind: string;
  checkNumber?: number;
  fiscalNumber?: string;
  total?: number;
}

const receipts = async (sim: { url: string }) =>
  (await simControl<{ entries: SimJournalEntry[] }>(sim, 'GET', '/journal')).entries.filter(
    (entry) => entry.kind === 'sale',
  );

const inDoubtIn = (heartbeats: HeartbeatEnvelope[], commandId: string) =>
  heartbeats.flatMap((heartbeat) => heartbeat.inDoubt).filter((doubt) => doubt.commandId === commandId);

// Device timeouts well under the simulated slow-downs: the answer is lost while the device works on.
const SLOW = { ikkm: { timeoutMs: 500 }, cashCore: { timeoutMs: 500, processingWindowMs: 1_500 } };

describe.each([
  ['reg-ikkm', 'ikkm', '/api'],
  ['reg-cc', 'cash-core', 'TradeOperation'],
] as const)('a command in doubt on %s', (registerId, kind, fiscalCall) => {
  let world: AgentWorld | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });
  const sim = (w: AgentWorld) => (kind === 'ikkm' ? w.ikkm : w.cashCore);

  it('a fiscal call that outlives the driver timeout is in doubt until the device proves it: one receipt, its own document', async () => {
    world = await createAgentWorld({ agentId: `slow-${kind}`, ...SLOW });
    await world.startAgent();
    await simControl(sim(world), 'POST', '/faults', { kind: 'delay', match: fiscalCall, delayMs: 2_500 });
    const id = await world.cloud.send(registerId, sale(31_000));

    // The office hears of it while it is in doubt, with what the agent learned so far.
    const doubt = await waitFor(
      () => inDoubtIn(world!.cloud.heartbeats, id)[0],
      10_000,
      'in-doubt heartbeat',
    );
    expect(doubt.registerId).toBe(registerId);
    expect(doubt.evidence.length).toBeGreaterThan(0);
    expect(world.cloud.resultsFor(id)).toHaveLength(0);

    const result = await world.cloud.waitForResult(id, 30_000);
    expect(result.status, JSON.stringify(result.outcome)).toBe('done');
    expect(result.reconciled).toBe(true);
    expect(result.evidence?.length).toBeGreaterThan(0);
    const printed = await receipts(sim(world));
    expect(printed).toHaveLength(1);
    // The answer carries this receipt's own numbers, never another document's.
    if (!result.outcome.ok) throw new Error('not ok');
    if (kind === 'ikkm') expect(result.outcome.result.checkNumber).toBe(printed[0]?.checkNumber);
    else expect(result.outcome.result.fiscalId).toBe(printed[0]?.fiscalNumber);
    // Nothing stays in doubt.
    const seen = world.cloud.heartbeats.length;
    await waitFor(() => world!.cloud.heartbeats.length > seen + 1, 10_000, 'later heartbeats');
    expect(world.cloud.heartbeats.at(-1)?.inDoubt).toEqual([]);
  });

  it('the commands queued behind a slow, doubtful one wait for it and then all print once', async () => {
    world = await createAgentWorld({ agentId: `queue-${kind}`, ...SLOW });
    await world.startAgent();
    await simControl(sim(world), 'POST', '/faults', { kind: 'delay', match: fiscalCall, delayMs: 2_000 });
    const ids: string[] = [];
    for (let i = 1; i <= 6; i++) ids.push(await world.cloud.send(registerId, sale(10_000 + i * 100)));
    const results = await Promise.all(ids.map((id) => world!.cloud.waitForResult(id, 40_000)));
    for (const result of results) expect(result.status, JSON.stringify(result.outcome)).toBe('done');
    const printed = await receipts(sim(world));
    expect(printed.map((entry) => entry.total).sort()).toEqual(
      ids.map((_, i) => 10_000 + (i + 1) * 100).sort(),
    );
  });

  it('a command waiting behind one in doubt expires at its own deadline, never calling the register', async () => {
    world = await createAgentWorld({ agentId: `expire-${kind}`, ...SLOW });
    await world.startAgent();
    await simControl(sim(world), 'POST', '/faults', { kind: 'delay', match: fiscalCall, delayMs: 4_000 });
    const first = await world.cloud.send(registerId, sale(20_000));
    await waitFor(() => inDoubtIn(world!.cloud.heartbeats, first)[0], 10_000, 'in-doubt heartbeat');
    const second = await world.cloud.send(registerId, sale(20_100), { deadlineMs: 1_000 });
    const expired = await world.cloud.waitForResult(second, 10_000);
    expect(expired.status).toBe('expired');
    expect(!expired.outcome.ok && expired.outcome.error.code).toBe('DEADLINE_EXCEEDED');
    expect((await world.cloud.waitForResult(first, 30_000)).status).toBe('done');
    expect((await receipts(sim(world))).map((entry) => entry.total)).toEqual([20_000]);
  });
});

describe('an operator settles what the device cannot', () => {
  let world: AgentWorld | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('cash core: counters moved by another client and no document matches → in doubt until an operator decides; the queue then moves on', async () => {
    world = await createAgentWorld({
      agentId: 'resolve-cc',
      cashCore: { timeoutMs: 500, processingWindowMs: 4_000 },
    });
    await world.startAgent();
    // The call is lost on the way (nothing registered) …
    await simControl(world.cashCore, 'POST', '/faults', { kind: 'drop', match: 'TradeOperation' });
    const lost = await world.cloud.send('reg-cc', sale(55_500));
    await waitFor(() => inDoubtIn(world!.cloud.heartbeats, lost)[0], 10_000, 'in-doubt heartbeat');
    // … and meanwhile another client registers a document on the same register.
    const deposit = await fetch(`${world.cashCore.url}/MoneyPlacement`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: CASH_CORE_PIN },
      body: JSON.stringify({ kkm_ofd_id: CASH_CORE_KKM, operation: 0, sum: 100 }),
    });
    expect(((await deposit.json()) as { response_code: number }).response_code).toBe(0);
    const next = await world.cloud.send('reg-cc', sale(12_000));

    // The device cannot tell: it stays in doubt, asking for an operator; nothing behind it runs.
    await waitFor(
      () => inDoubtIn(world!.cloud.heartbeats, lost).some((doubt) => doubt.needs === 'operator'),
      20_000,
      'in doubt, needs an operator',
    );
    expect(world.cloud.resultsFor(lost)).toHaveLength(0);
    expect(world.cloud.resultsFor(next)).toHaveLength(0);

    const resolve: CanonicalCommandInput = {
      type: 'command.resolve',
      commandId: lost,
      decision: 'notDone',
      note: 'чека нет на ленте и в ОФД',
    };
    const resolution = await world.cloud.send('reg-cc', resolve);
    expect((await world.cloud.waitForResult(resolution)).status).toBe('done');
    const settled = await world.cloud.waitForResult(lost);
    expect(settled.status).toBe('failed');
    expect(settled.resolvedBy).toBe('operator');
    expect(!settled.outcome.ok && settled.outcome.error.code).toBe('NOT_PERFORMED');
    expect((await world.cloud.waitForResult(next, 20_000)).status).toBe('done');
    expect((await receipts(world.cashCore)).map((entry) => entry.total)).toEqual([12_000]);

    // A decision for a command that is not in doubt changes nothing.
    const again = await world.cloud.send('reg-cc', { ...resolve, decision: 'done' });
    const refused = await world.cloud.waitForResult(again);
    expect(refused.status).toBe('failed');
    expect(!refused.outcome.ok && refused.outcome.error.code).toBe('NOT_FOUND');
  });

  it('iKKM: a device that rebooted forgets the key it used → in doubt, needs its current key; once entered, the device proves it', async () => {
    world = await createAgentWorld({ agentId: 'devkey-ikkm', ikkm: { timeoutMs: 800 } });
    const w = world;
    // The receipt is registered, its answer lost, and the agent dies before it can look.
    await simControl(w.ikkm, 'POST', '/faults', { kind: 'commit-then-drop', match: '/api' });
    let id = '';
    await w.crashAgentAt('in-doubt', async () => {
      id = await w.cloud.send('reg-ikkm', sale(40_000));
    });
    // The device restarts meanwhile: it no longer replays the lost answer.
    await simControl(w.ikkm, 'POST', '/reboot');
    await w.startAgent();
    const doubt = await waitFor(
      () => inDoubtIn(w.cloud.heartbeats, id).find((d) => d.needs === 'deviceKey'),
      20_000,
      'in doubt, needs the device key',
    );
    expect(doubt.evidence[0]?.text).toBeTruthy();
    expect(w.cloud.resultsFor(id)).toHaveLength(0);

    // The office enters the device's current key, as read from the device's screen.
    const { key } = await simControl<{ key: string }>(w.ikkm, 'GET', '/state');
    expect(key).not.toBe(IKKM_KEY);
    await w.cloud.sendRegisters([
      {
        id: 'reg-ikkm',
        kind: 'ikkm',
        url: w.ikkm.url,
        initialKey: key,
        inn: '123434556789',
        timeoutMs: 800,
        taxTable: [{ percent: 12, name: 'НДС 12%' }],
      },
      {
        id: 'reg-cc',
        kind: 'cash-core',
        url: w.cashCore.url,
        accessCode: CASH_CORE_PIN,
        kkmOfdId: CASH_CORE_KKM,
        taxTable: [{ percent: 12 }],
      },
    ]);
    const result = await w.cloud.waitForResult(id, 20_000);
    expect(result.status, JSON.stringify(result.outcome)).toBe('done');
    const printed = await receipts(w.ikkm);
    expect(printed).toHaveLength(1);
    expect(result.outcome.ok && result.outcome.result.checkNumber).toBe(printed[0]?.checkNumber);
    // And the register goes on with the right key.
    const after = await w.cloud.send('reg-ikkm', sale(1_000));
    expect((await w.cloud.waitForResult(after, 20_000)).status).toBe('done');
    expect(await receipts(w.ikkm)).toHaveLength(2);
  });
});
