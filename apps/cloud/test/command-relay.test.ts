import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCashCoreSimulator } from '@kassa-relay/cash-core-sim';
import { startIkkmSimulator } from '@kassa-relay/ikkm-sim';
import { type StartedProcess, startProcess, tempDir } from '@kassa-relay/testing';
import type { CanonicalCommandInput } from '@kassa-relay/protocol';
import { type EmbeddedBroker, startEmbeddedBroker } from '../src/broker/embedded-broker';
import { CommandRelay } from '../src/relay/command-relay';
import { hashSecret } from '../src/security/secret-hash';

const repoRoot = resolve(__dirname, '../../..');
const sale = (amount: number): CanonicalCommandInput => ({
  type: 'receipt',
  operation: 'sale',
  items: [{ name: 'Чай', quantity: 1000, price: amount, sum: amount }],
  payments: [{ kind: 'cash', amount }],
  total: amount,
});

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Cloud relay ⇄ embedded broker (with per-agent credentials) ⇄ a real agent process ⇄ simulators. */
describe('command relay through the embedded broker and a real agent', () => {
  const dir = tempDir('relay-');
  let broker: EmbeddedBroker;
  let relay: CommandRelay;
  let agent: StartedProcess | undefined;
  let cashCore: { url: string; close(): Promise<void> };
  let ikkm: { url: string; close(): Promise<void> };
  let configPath: string;

  const startAgent = async () => {
    agent = await startProcess(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'apps/agent/src/main.ts'), '--config', configPath],
      {
        readyPattern: /"msg":"agent started"/,
        cwd: repoRoot,
      },
    );
  };

  beforeAll(async () => {
    const passwordHash = await hashSecret('agent-secret');
    broker = await startEmbeddedBroker({
      port: 0,
      cloudUser: { username: 'cloud', password: 'cloud-secret' },
      credentials: {
        findByUsername: async (u) => (u === 'store-7' ? { agentId: 'store-7', passwordHash } : null),
      },
    });
    ikkm = await startIkkmSimulator({ port: 0, key: '11112222', stateDir: join(dir.path, 'ikkm') });
    cashCore = await startCashCoreSimulator({ port: 0, stateDir: join(dir.path, 'cc'), adminPin: '0000' });
    configPath = join(dir.path, 'agent.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        agentId: 'store-7',
        mqtt: {
          url: broker.url,
          username: 'store-7',
          password: 'agent-secret',
          reconnectMinMs: 100,
          reconnectMaxMs: 500,
        },
        dataDir: join(dir.path, 'agent'),
        http: { port: 0 },
        heartbeatIntervalSec: 1,
        registers: [
          { id: 'r-ikkm', kind: 'ikkm', url: ikkm.url, initialKey: '11112222' },
          { id: 'r-cc', kind: 'cash-core', url: cashCore.url, accessCode: '0000', kkmOfdId: 6923 },
        ],
      }),
    );
    relay = new CommandRelay({ url: broker.url, username: 'cloud', password: 'cloud-secret' });
    await relay.start();
    await startAgent();
    await waitUntil(() => relay.isOnline('store-7'), 15_000, 'agent online');
  });

  afterAll(async () => {
    await agent?.stop();
    await relay?.stop();
    await broker?.close();
    await ikkm?.close();
    await cashCore?.close();
    dir.remove();
  });

  it('sends a sale and gets the fiscal result back', async () => {
    const outcome = await relay.send('store-7', 'r-cc', sale(12_000), { deadlineMs: 60_000 }, 15_000);
    expect(outcome.state).toBe('completed');
    if (outcome.state !== 'completed') return;
    expect(outcome.result.status).toBe('done');
    expect(outcome.result.outcome.ok && outcome.result.outcome.result.fiscalId).toBeTruthy();
  });

  it('a wait shorter than the device answers "pending"; the result still arrives', async () => {
    await fetch(`${cashCore.url}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'delay', delayMs: 1500, match: 'TradeOperation' }),
    });
    const outcome = await relay.send('store-7', 'r-cc', sale(3_000), { deadlineMs: 60_000 }, 200);
    expect(outcome.state).toBe('pending');
    if (outcome.state !== 'pending') return;
    const late = await relay.waitForResult(outcome.commandId, 15_000);
    expect(late?.status).toBe('done');
  });

  it('heartbeats carry register health; presence turns offline when the agent stops', async () => {
    const heartbeat = await new Promise<import('@kassa-relay/protocol').HeartbeatEnvelope>((resolveBeat) =>
      relay.once('heartbeat', resolveBeat),
    );
    expect(heartbeat.registers.map((r) => r.registerId).sort()).toEqual(['r-cc', 'r-ikkm']);
    await agent?.stop();
    agent = undefined;
    await waitUntil(() => !relay.isOnline('store-7'), 10_000, 'agent offline');
  });
});
