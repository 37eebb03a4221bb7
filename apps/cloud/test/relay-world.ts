import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startCashCoreSimulator } from '@kassa-relay/cash-core-sim';
import { startIkkmSimulator } from '@kassa-relay/ikkm-sim';
import { type StartedProcess, startProcess, tempDir, waitUntil } from '@kassa-relay/testing';
import { type EmbeddedBroker, startEmbeddedBroker } from '../src/broker/embedded-broker';
import type { CommandEnvelope, ResultEnvelope } from '@kassa-relay/protocol';
import type { AgentPresence } from '../src/commands/agent-presence';
import { CommandDispatcher } from '../src/commands/command-dispatcher';
import type { CommandRecords } from '../src/commands/command-records';
import { LocalBus } from '../src/platform/cluster-bus';
import { CommandRelay } from '../src/relay/command-relay';
import { hashSecret } from '../src/security/secret-hash';

export { waitUntil } from '@kassa-relay/testing';

const repoRoot = resolve(__dirname, '../../..');

/**
 * Test double of the dispatcher's records (the document ledger in PostgreSQL in the product): the
 * first result of each command is kept, as the ledger keeps the result that settles a document.
 */
export class MemoryCommandRecords implements CommandRecords {
  readonly sent = new Map<string, CommandEnvelope>();
  readonly results = new Map<string, ResultEnvelope>();
  async recordSent(envelope: CommandEnvelope): Promise<void> {
    this.sent.set(envelope.id, envelope);
  }
  async storeResult(result: ResultEnvelope): Promise<boolean> {
    if (this.results.has(result.commandId)) return false;
    this.results.set(result.commandId, result);
    return true;
  }
  async storedResult(commandId: string): Promise<ResultEnvelope | undefined> {
    return this.results.get(commandId);
  }
}

/** Presence as the relay hears it (the database's `Agent.online`, written by LiveState, in the product). */
class RelayPresence implements AgentPresence {
  private readonly online = new Set<string>();
  constructor(relay: CommandRelay) {
    relay.on('presence', (presence) =>
      presence.state === 'online' ? this.online.add(presence.agentId) : this.online.delete(presence.agentId),
    );
  }
  async isOnline(agentId: string): Promise<boolean> {
    return this.online.has(agentId);
  }
}

export interface RelayWorld {
  broker: EmbeddedBroker;
  relay: CommandRelay;
  commands: CommandDispatcher;
  records: MemoryCommandRecords;
  ikkm: { url: string; close(): Promise<void> };
  cashCore: { url: string; close(): Promise<void> };
  agentId: string;
  startAgent(): Promise<void>;
  stopAgent(): Promise<void>;
  journal(sim: { url: string }): Promise<{ kind: string; total?: number }[]>;
  close(): Promise<void>;
}

/** Embedded broker (per-agent credentials) + cloud relay and dispatcher + simulators + a real agent process. */
export async function createRelayWorld(agentId = 'store-7'): Promise<RelayWorld> {
  const dir = tempDir('relay-world-');
  const passwordHash = await hashSecret('agent-secret');
  const broker = await startEmbeddedBroker({
    port: 0,
    cloudUser: { username: 'cloud', password: 'cloud-secret' },
    credentials: { findByUsername: async (u) => (u === agentId ? { agentId, passwordHash } : null) },
  });
  // Seed 000's own example has tiyn (123.45): this iKKM is one that takes decimal amounts.
  const ikkm = await startIkkmSimulator({
    port: 0,
    key: '11112222',
    stateDir: join(dir.path, 'ikkm'),
    acceptDecimals: true,
  });
  const cashCore = await startCashCoreSimulator({
    port: 0,
    stateDir: join(dir.path, 'cc'),
    adminPin: '0000',
  });
  const configPath = join(dir.path, 'agent.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      agentId,
      mqtt: {
        url: broker.url,
        username: agentId,
        password: 'agent-secret',
        reconnectMinMs: 100,
        reconnectMaxMs: 500,
      },
      dataDir: join(dir.path, 'agent'),
      http: { port: 0 },
      heartbeatIntervalSec: 1,
      registers: [
        {
          id: 'r-ikkm',
          kind: 'ikkm',
          url: ikkm.url,
          initialKey: '11112222',
          acceptsDecimals: true,
          taxTable: [{ percent: 12 }],
        },
        {
          id: 'r-cc',
          kind: 'cash-core',
          url: cashCore.url,
          accessCode: '0000',
          kkmOfdId: 6923,
          taxTable: [{ percent: 12 }],
        },
      ],
    }),
  );
  const relay = new CommandRelay({ url: broker.url, username: 'cloud', password: 'cloud-secret' });
  await relay.start();
  const records = new MemoryCommandRecords();
  const commands = new CommandDispatcher(relay, records, new LocalBus(), new RelayPresence(relay));
  let agent: StartedProcess | undefined;
  const world: RelayWorld = {
    broker,
    relay,
    commands,
    records,
    ikkm,
    cashCore,
    agentId,
    async startAgent() {
      agent = await startProcess(
        process.execPath,
        ['--import', 'tsx', join(repoRoot, 'apps/agent/src/main.ts'), '--config', configPath],
        {
          readyPattern: /"msg":"agent started"/,
          cwd: repoRoot,
        },
      );
      await waitUntil(() => commands.isOnline(agentId), 15_000, 'agent online');
    },
    async stopAgent() {
      await agent?.stop();
      agent = undefined;
      await waitUntil(async () => !(await commands.isOnline(agentId)), 10_000, 'agent offline');
    },
    async journal(sim) {
      return (
        (await (await fetch(`${sim.url}/_sim/journal`)).json()) as {
          entries: { kind: string; total?: number }[];
        }
      ).entries;
    },
    async close() {
      await agent?.stop();
      await relay.stop().catch(() => undefined);
      for (const closable of [broker, ikkm, cashCore]) await closable.close().catch(() => undefined);
      dir.remove();
    },
  };
  return world;
}
