import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalCommandInput, HeartbeatEnvelope } from '@kassa-relay/protocol';
import type { CommandDispatcher } from '../src/commands/command-dispatcher';
import { createRelayWorld, type RelayWorld } from './relay-world';

const sale = (amount: number): CanonicalCommandInput => ({
  type: 'receipt',
  operation: 'sale',
  items: [{ name: 'Чай', quantity: 1000, price: amount, sum: amount }],
  payments: [{ kind: 'cash', amount }],
  total: amount,
});

/** Cloud relay ⇄ embedded broker (with per-agent credentials) ⇄ a real agent process ⇄ simulators. */
describe('command relay through the embedded broker and a real agent', () => {
  let world: RelayWorld;
  let commands: CommandDispatcher;
  beforeAll(async () => {
    world = await createRelayWorld();
    commands = world.commands;
    await world.startAgent();
  });
  afterAll(async () => world?.close());

  it('sends a sale and gets the fiscal result back', async () => {
    const outcome = await commands.issue('store-7', 'r-cc', sale(12_000), { deadlineMs: 60_000 }, 15_000);
    expect(outcome.state).toBe('completed');
    if (outcome.state !== 'completed') return;
    expect(outcome.result.status).toBe('done');
    expect(outcome.result.outcome.ok && outcome.result.outcome.result.fiscalId).toBeTruthy();
  });

  it('a wait shorter than the device answers "pending"; the result still arrives', async () => {
    await fetch(`${world.cashCore.url}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'delay', delayMs: 1500, match: 'TradeOperation' }),
    });
    const outcome = await commands.issue('store-7', 'r-cc', sale(3_000), { deadlineMs: 60_000 }, 200);
    expect(outcome.state).toBe('pending');
    if (outcome.state !== 'pending') return;
    const late = await commands.waitForResult('store-7', outcome.commandId, 15_000);
    expect(late?.status).toBe('done');
    // Once stored, a new waiter (a repeat) is answered at once from the store.
    expect(await commands.waitForResult('store-7', outcome.commandId, 1)).toEqual(late);
    // Only the agent it was published to answers it.
    expect(await commands.waitForResult('store-8', outcome.commandId, 50)).toBeUndefined();
  });

  it('heartbeats carry register health; presence turns offline when the agent stops', async () => {
    const heartbeat = await new Promise<HeartbeatEnvelope>((resolveBeat) =>
      world.relay.once('heartbeat', resolveBeat),
    );
    expect(heartbeat.registers.map((r) => r.registerId).sort()).toEqual(['r-cc', 'r-ikkm']);
    await world.stopAgent();
    expect(await commands.isOnline('store-7')).toBe(false);
  });
});
