import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import {
  type AgentConfigEnvelopeInput,
  type CanonicalCommandInput,
  type CommandEnvelopeInput,
  type HeartbeatEnvelope,
  peekCommandId,
  type PresenceEnvelope,
  type RegisterSetupInput,
  type ResultEnvelope,
  resultEnvelopeSchema,
  topics,
} from '@kassa-relay/protocol';
import { startCashCoreSimulator } from '@kassa-relay/cash-core-sim';
import { startIkkmSimulator } from '@kassa-relay/ikkm-sim';
import {
  type StartedProcess,
  startProcess,
  startTestBroker,
  type TestBroker,
  tempDir,
  waitFor,
} from '@kassa-relay/testing';
import type { AgentConfigInput } from '../src/config/agent-config';

/** The shared poller (tools/testing), under the name every agent test imports it by. */
export { waitFor } from '@kassa-relay/testing';

const repoRoot = resolve(__dirname, '../../..');
export const IKKM_KEY = '11112222';
export const CASH_CORE_PIN = '0000';
export const CASH_CORE_KKM = 6923;

export interface Simulator {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Control API shared by both simulators (tools/*-sim README). */
export async function simControl<T = unknown>(
  sim: { url: string },
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${sim.url}/_sim${path}`, {
    method,
    ...(body !== undefined
      ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
      : {}),
  });
  if (!response.ok)
    throw new Error(`${method} /_sim${path}: HTTP ${response.status} ${await response.text()}`);
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export async function journalEntries(sim: { url: string }): Promise<{ kind: string; total?: number }[]> {
  return (await simControl<{ entries: { kind: string; total?: number }[] }>(sim, 'GET', '/journal')).entries;
}

/** Plays the cloud: publishes commands, collects results, presence and heartbeats. */
export class CloudProbe {
  readonly results: ResultEnvelope[] = [];
  readonly presence: PresenceEnvelope[] = [];
  readonly heartbeats: HeartbeatEnvelope[] = [];
  private constructor(
    private readonly client: MqttClient,
    private readonly agentId: string,
  ) {}

  static async connect(brokerUrl: string, agentId: string): Promise<CloudProbe> {
    const client = await mqtt.connectAsync(brokerUrl, {
      clientId: `cloud-probe-${Math.random().toString(36).slice(2)}`,
      reconnectPeriod: 200,
    });
    const probe = new CloudProbe(client, agentId);
    client.on('message', (topic, payload) => {
      const json = JSON.parse(payload.toString('utf8')) as unknown;
      if (topic === topics.results(agentId)) probe.results.push(resultEnvelopeSchema.parse(json));
      else if (topic === topics.presence(agentId)) probe.presence.push(json as PresenceEnvelope);
      else if (topic === topics.heartbeat(agentId)) probe.heartbeats.push(json as HeartbeatEnvelope);
    });
    await client.subscribeAsync(
      [topics.results(agentId), topics.presence(agentId), topics.heartbeat(agentId)],
      { qos: 1 },
    );
    return probe;
  }

  async send(
    registerId: string,
    command: CanonicalCommandInput,
    options: { id?: string; deadlineMs?: number } = {},
  ): Promise<string> {
    const id = options.id ?? `cmd-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    const now = Date.now();
    const envelope: CommandEnvelopeInput = {
      v: 1,
      id,
      registerId,
      issuedAt: new Date(now).toISOString(),
      deadline: new Date(now + (options.deadlineMs ?? 120_000)).toISOString(),
      origin: { channel: 'admin', actor: 'test' },
      command: command as CommandEnvelopeInput['command'],
    };
    await this.publishRaw(topics.commands(this.agentId), JSON.stringify(envelope));
    return id;
  }

  async publishRaw(topic: string, payload: string, options: { retain?: boolean } = {}): Promise<void> {
    await this.client.publishAsync(topic, payload, { qos: 1, retain: options.retain ?? false });
  }

  /** The cloud's register list for the agent, retained as the cloud sends it. */
  async sendRegisters(registers: RegisterSetupInput[]): Promise<void> {
    const envelope: AgentConfigEnvelopeInput = {
      v: 1,
      agentId: this.agentId,
      issuedAt: new Date().toISOString(),
      registers,
    };
    await this.publishRaw(topics.config(this.agentId), JSON.stringify(envelope), { retain: true });
  }

  resultsFor(id: string): ResultEnvelope[] {
    return this.results.filter((result) => result.commandId === id);
  }

  async waitForResult(id: string, timeoutMs = 20_000): Promise<ResultEnvelope> {
    return waitFor(() => this.resultsFor(id)[0], timeoutMs, `result of ${id}`);
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

/**
 * Ids of the commands the agent acknowledged (its PUBACK): it sends one only once the command is
 * in its journal on disk, so a test may then take the broker away without losing it.
 */
export function agentAcks(broker: TestBroker): Set<string> {
  const acked = new Set<string>();
  broker.broker.on('ack', (packet) => {
    if (packet && 'payload' in packet) acked.add(peekCommandId(packet.payload as Buffer).id ?? '');
  });
  return acked;
}

export interface AgentWorld {
  dir: string;
  broker: TestBroker;
  ikkm: Simulator;
  cashCore: Simulator;
  configPath: string;
  agentId: string;
  cloud: CloudProbe;
  agent: StartedProcess | undefined;
  startAgent(env?: Record<string, string>): Promise<StartedProcess>;
  /** Starts the agent expecting it to die by the armed crash point; resolves when it is dead. */
  crashAgentAt(point: string, trigger: () => Promise<unknown>): Promise<void>;
  stopAgent(): Promise<void>;
  close(): Promise<void>;
}

/** Broker, both simulators, an agent config; the agent itself runs as a real child process. */
export async function createAgentWorld(
  options: {
    agentId?: string;
    heartbeatIntervalSec?: number;
    outbox?: AgentConfigInput['outbox'];
    /** Settings merged into each register of the config (a short device timeout, say). */
    ikkm?: Record<string, unknown>;
    cashCore?: Record<string, unknown>;
    reconcileRetryMaxMs?: number;
    journal?: AgentConfigInput['journal'];
  } = {},
): Promise<AgentWorld> {
  const dir = tempDir('kassa-agent-test-');
  const broker = await startTestBroker();
  const ikkm = await startIkkmSimulator({ port: 0, key: IKKM_KEY, stateDir: join(dir.path, 'ikkm') });
  const cashCore = await startCashCoreSimulator({
    port: 0,
    stateDir: join(dir.path, 'cash-core'),
    adminPin: CASH_CORE_PIN,
  });
  const agentId = options.agentId ?? 'store-1';
  const config: AgentConfigInput = {
    agentId,
    mqtt: { url: broker.url, reconnectMinMs: 100, reconnectMaxMs: 1000 },
    dataDir: join(dir.path, 'agent'),
    http: { host: '127.0.0.1', port: 0 },
    heartbeatIntervalSec: options.heartbeatIntervalSec ?? 1,
    reconcileRetryMaxMs: options.reconcileRetryMaxMs ?? 1000,
    ...(options.outbox ? { outbox: options.outbox } : {}),
    ...(options.journal ? { journal: options.journal } : {}),
    logLevel: 'info',
    registers: [
      {
        id: 'reg-ikkm',
        kind: 'ikkm',
        url: ikkm.url,
        initialKey: IKKM_KEY,
        inn: '123434556789',
        taxTable: [{ percent: 12, name: 'НДС 12%' }],
        ...options.ikkm,
      } as RegisterSetupInput,
      {
        id: 'reg-cc',
        kind: 'cash-core',
        url: cashCore.url,
        accessCode: CASH_CORE_PIN,
        kkmOfdId: CASH_CORE_KKM,
        taxTable: [{ percent: 12 }],
        ...options.cashCore,
      } as RegisterSetupInput,
    ],
  };
  const configPath = join(dir.path, 'agent.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const cloud = await CloudProbe.connect(broker.url, agentId);

  const spawnAgent = (env: Record<string, string> = {}) =>
    startProcess(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'apps/agent/src/main.ts'), '--config', configPath],
      {
        readyPattern: /"msg":"agent started"/,
        env,
        cwd: repoRoot,
        timeoutMs: 30_000,
      },
    );

  const world: AgentWorld = {
    dir: dir.path,
    broker,
    ikkm,
    cashCore,
    configPath,
    agentId,
    cloud,
    agent: undefined,
    async startAgent(env) {
      const seen = world.cloud.presence.length;
      world.agent = await spawnAgent(env);
      await waitFor(
        () => world.cloud.presence.slice(seen).some((p) => p.state === 'online'),
        15_000,
        'agent online',
      );
      return world.agent;
    },
    async crashAgentAt(point, trigger) {
      const seen = world.cloud.presence.length;
      const agent = await spawnAgent({ KASSA_AGENT_CRASH_AT: point });
      world.agent = agent;
      await waitFor(
        () => world.cloud.presence.slice(seen).some((p) => p.state === 'online'),
        15_000,
        'agent online',
      );
      const died = new Promise<void>((resolve) => {
        if (agent.child.exitCode !== null || agent.child.signalCode !== null) resolve();
        agent.child.once('exit', () => resolve());
      });
      await trigger();
      await Promise.race([
        died,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error(`agent did not crash at ${point}`)), 20_000),
        ),
      ]);
      if (agent.child.signalCode !== 'SIGKILL')
        throw new Error(`agent exited with ${agent.child.exitCode}, not SIGKILL`);
      world.agent = undefined;
    },
    async stopAgent() {
      await world.agent?.stop('SIGTERM');
      world.agent = undefined;
    },
    async close() {
      await world.stopAgent();
      await world.cloud.close().catch(() => undefined);
      for (const closable of [world.broker, ikkm, cashCore]) await closable.close().catch(() => undefined);
      dir.remove();
    },
  };
  return world;
}

export const sale = (amount = 50_000): CanonicalCommandInput => ({
  type: 'receipt',
  operation: 'sale',
  cashier: 'Алия',
  items: [{ name: 'Кофе', quantity: 1000, price: amount, sum: amount, taxes: [{ rate: 12_000 }] }],
  payments: [{ kind: 'cash', amount }],
  total: amount,
});
