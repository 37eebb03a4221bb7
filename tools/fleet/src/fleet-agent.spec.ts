import mqtt, { type MqttClient } from 'mqtt';
import {
  type CommandEnvelopeInput,
  heartbeatEnvelopeSchema,
  parseEnvelope,
  presenceEnvelopeSchema,
  type ResultEnvelope,
  resultEnvelopeSchema,
  topics,
} from '@kassa-relay/protocol';
import { startTestBroker, type TestBroker, waitUntil } from '@kassa-relay/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_FLEET_AGENT_OPTIONS, FleetAgent, type FleetAgentOptions } from './fleet-agent';

const AGENT = 'agent-0123456789ab';
const REGISTER = 'reg-1';

/** What a cloud hears from the agent, and a way to send it commands. */
async function listen(url: string) {
  const heard = {
    presence: [] as string[],
    heartbeats: 0,
    results: [] as ResultEnvelope[],
    /** The link each presence and heartbeat named, in order (`presence:<state>:<link>`, `heartbeat:<link>`). */
    links: [] as string[],
  };
  const client: MqttClient = await mqtt.connectAsync(url, { clientId: 'cloud-probe', reconnectPeriod: 100 });
  client.on('message', (topic, payload) => {
    if (topic === topics.presence(AGENT)) {
      const presence = parseEnvelope(presenceEnvelopeSchema, payload);
      if (presence.ok) {
        heard.presence.push(presence.value.state);
        heard.links.push(`presence:${presence.value.state}:${presence.value.link}`);
      }
    } else if (topic === topics.heartbeat(AGENT)) {
      const heartbeat = parseEnvelope(heartbeatEnvelopeSchema, payload);
      expect(heartbeat.ok).toBe(true);
      if (heartbeat.ok) heard.links.push(`heartbeat:${heartbeat.value.link}`);
      heard.heartbeats += 1;
    } else if (topic === topics.results(AGENT)) {
      const result = parseEnvelope(resultEnvelopeSchema, payload);
      expect(result).toMatchObject({ ok: true });
      if (result.ok) heard.results.push(result.value);
    }
  });
  await client.subscribeAsync(`kr/v1/agents/${AGENT}/+`, { qos: 1 });
  const send = (id: string, command: CommandEnvelopeInput['command']) => {
    const envelope: CommandEnvelopeInput = {
      v: 1,
      id,
      registerId: REGISTER,
      issuedAt: new Date().toISOString(),
      deadline: new Date(Date.now() + 60_000).toISOString(),
      command,
    };
    return client.publishAsync(topics.commands(AGENT), JSON.stringify(envelope), { qos: 1 });
  };
  return { heard, client, send };
}

const receipt = (externalNumber: string): CommandEnvelopeInput['command'] => ({
  type: 'receipt',
  operation: 'sale',
  items: [{ name: 'Кофе', quantity: 1000, price: 35_000, sum: 35_000 }],
  payments: [{ kind: 'cash', amount: 50_000 }],
  total: 35_000,
  externalNumber,
});

/** The fleet agent under test, started, on the broker at `url`. */
function startAgent(url: string, options: Partial<FleetAgentOptions>): FleetAgent {
  const agent = new FleetAgent(
    {
      agentId: AGENT,
      mqtt: { url, username: AGENT, password: 'secret' },
      registers: [{ id: REGISTER, kind: 'ikkm' }],
    },
    { ...DEFAULT_FLEET_AGENT_OPTIONS, ...options },
  );
  agent.start();
  return agent;
}

describe('fleet agent', () => {
  let broker: TestBroker | undefined;
  let agent: FleetAgent | undefined;
  let probe: MqttClient | undefined;

  afterEach(async () => {
    await agent?.stop();
    await probe?.endAsync(true);
    await broker?.close();
  });

  it('says online, heartbeats, and runs a command id once however often it is delivered', async () => {
    broker = await startTestBroker();
    const cloud = await listen(broker.url);
    probe = cloud.client;
    agent = startAgent(broker.url, { heartbeatIntervalSec: 3600 });
    await waitUntil(() => cloud.heard.presence.includes('online'), 10_000, 'presence online');
    await waitUntil(() => cloud.heard.heartbeats > 0, 10_000, 'a heartbeat');

    await cloud.send('cmd-sale-0001', receipt('D-1'));
    await waitUntil(() => cloud.heard.results.length === 1, 10_000, 'the first result');
    await cloud.send('cmd-sale-0001', receipt('D-1'));
    await cloud.send('cmd-report-x1', { type: 'report.x' });
    await waitUntil(() => cloud.heard.results.length === 3, 10_000, 'three results');

    const [first, repeat, report] = cloud.heard.results;
    expect(first).toMatchObject({
      commandId: 'cmd-sale-0001',
      status: 'done',
      outcome: {
        ok: true,
        result: { type: 'receipt', checkNumber: 1, shiftNumber: 1, total: 35_000, change: 15_000 },
      },
    });
    expect(repeat).toEqual(first);
    expect(report).toMatchObject({
      status: 'done',
      outcome: { ok: true, result: { type: 'report.x', counters: { countSales: 1, cashBalance: 35_000 } } },
    });
    expect(agent.journal.receiptsFor('D-1')).toHaveLength(1);
    expect(agent.journal.replays).toBe(1);

    // Its link has an id, as apps/agent's: on the online presence, the heartbeats and the will.
    const link = agent.linkId;
    expect(link).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    await agent.kill();
    await waitUntil(() => cloud.heard.presence.includes('offline'), 10_000, 'the last will');
    expect(new Set(cloud.heard.links)).toEqual(
      new Set([`presence:online:${link}`, `heartbeat:${link}`, `presence:offline:${link}`]),
    );
  });

  it('comes back after a broker restart and says online again', async () => {
    broker = await startTestBroker();
    const port = broker.port;
    agent = startAgent(broker.url, { reconnectMinMs: 50, reconnectMaxMs: 200 });
    await waitUntil(() => agent!.connected, 10_000, 'the first connect');
    const firstLink = agent.linkId;
    await broker.close();
    await waitUntil(() => !agent!.connected, 10_000, 'the link to drop');
    broker = await startTestBroker({ port });
    const cloud = await listen(broker.url);
    probe = cloud.client;
    await waitUntil(() => cloud.heard.presence.includes('online'), 10_000, 'presence online again');
    // A new connection is a new link.
    expect(agent.linkId).not.toBe(firstLink);
    expect(cloud.heard.links).toContain(`presence:online:${agent.linkId}`);
    await cloud.send('cmd-after-restart', receipt('D-2'));
    await waitUntil(() => cloud.heard.results.length === 1, 10_000, 'a result after the restart');
    expect(cloud.heard.results[0]?.status).toBe('done');
  });

  it('names a new link in every CONNECT, also in the attempts of one outage', async () => {
    // The links the wills of its CONNECTs named, in order. The first two are taken and never
    // answered, as by a broker too busy to send CONNACK before the agent gives up: had the broker
    // armed their wills, they would end those links.
    const wills: string[] = [];
    broker = await startTestBroker({
      admit: (clientId, connect) => {
        if (clientId !== `kassa-agent-${AGENT}`) return true;
        const will = parseEnvelope(presenceEnvelopeSchema, Buffer.from(connect.will?.payload ?? ''));
        wills.push(will.ok ? String(will.value.link) : 'no will');
        return wills.length > 2;
      },
    });
    const cloud = await listen(broker.url);
    probe = cloud.client;
    agent = startAgent(broker.url, { reconnectMinMs: 50, reconnectMaxMs: 100, connectTimeoutMs: 300 });
    await waitUntil(() => cloud.heard.presence.includes('online'), 10_000, 'presence online');
    // Three at least (on a loaded machine the admitted one may time out too), each its own.
    expect(wills.length).toBeGreaterThanOrEqual(3);
    expect(new Set(wills).size).toBe(wills.length);
    expect(wills.at(-1)).toBe(agent.linkId);
    expect(cloud.heard.links).toContain(`presence:online:${agent.linkId}`);
  });

  it('tries again after a refused CONNECT (CONNACK "not authorized"), as the agent does', async () => {
    // The broker's credential store away for a moment, say: the first two attempts are refused.
    let refusals = 0;
    broker = await startTestBroker({
      refuse: (clientId) => clientId === `kassa-agent-${AGENT}` && ++refusals <= 2,
    });
    const cloud = await listen(broker.url);
    probe = cloud.client;
    agent = startAgent(broker.url, { reconnectMinMs: 50, reconnectMaxMs: 100 });
    await waitUntil(() => cloud.heard.presence.includes('online'), 10_000, 'presence online');
    expect(refusals).toBe(3);
  });
});
