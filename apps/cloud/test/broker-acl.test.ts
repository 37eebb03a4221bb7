import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '@kassa-relay/protocol';
import { agentClientId, type EmbeddedBroker, startEmbeddedBroker } from '../src/broker/embedded-broker';
import { hashSecret, verifySecret } from '../src/security/secret-hash';

const cloudUser = { username: 'kassa-cloud', password: 'cloud-secret' };

/** A refused QoS 1 publish never completes (the broker drops the connection): wait a bounded time. */
const attemptPublish = (client: MqttClient, topic: string, payload: string) =>
  Promise.race([
    client.publishAsync(topic, payload, { qos: 1 }).then(
      () => 'acked',
      () => 'failed',
    ),
    new Promise((resolve) => setTimeout(() => resolve('no answer'), 500)),
  ]);

describe('embedded broker: authentication and per-agent topics', () => {
  let broker: EmbeddedBroker;
  let cloud: MqttClient;
  const clients: MqttClient[] = [];
  const received: { topic: string; payload: string }[] = [];

  beforeAll(async () => {
    const agents = new Map([
      ['mqtt-a1', { agentId: 'a1', passwordHash: await hashSecret('pass-a1') }],
      ['mqtt-a2', { agentId: 'a2', passwordHash: await hashSecret('pass-a2') }],
    ]);
    broker = await startEmbeddedBroker({
      port: 0,
      cloudUser,
      credentials: { findByUsername: async (username) => agents.get(username) ?? null },
    });
    cloud = await mqtt.connectAsync(broker.url, { ...cloudUser, clientId: 'cloud-test', reconnectPeriod: 0 });
    await cloud.subscribeAsync('kr/v1/agents/+/#', { qos: 1 });
    cloud.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
  });
  afterAll(async () => {
    for (const client of [...clients, cloud]) await client.endAsync(true).catch(() => undefined);
    await broker.close();
  });

  const connectAgent = async (agentId: string, password: string, clientId = agentClientId(agentId)) => {
    const client = await mqtt.connectAsync(broker.url, {
      username: `mqtt-${agentId}`,
      password,
      clientId,
      reconnectPeriod: 0,
    });
    clients.push(client);
    return client;
  };

  it('hashes secrets one way and verifies them', async () => {
    const hash = await hashSecret('s3cret');
    expect(hash).not.toContain('s3cret');
    expect(await verifySecret('s3cret', hash)).toBe(true);
    expect(await verifySecret('other', hash)).toBe(false);
    expect(await verifySecret('s3cret', 'garbage')).toBe(false);
  });

  it('refuses unknown users, wrong passwords, anonymous clients and borrowed client ids', async () => {
    const attempt = (options: mqtt.IClientOptions) =>
      mqtt.connectAsync(broker.url, { reconnectPeriod: 0, ...options }).then(
        (client) => {
          clients.push(client);
          return 'connected';
        },
        (error: Error) => error.message,
      );
    expect(await attempt({ username: 'mqtt-a1', password: 'wrong', clientId: agentClientId('a1') })).toMatch(
      /Bad username or password/i,
    );
    expect(await attempt({ username: 'nobody', password: 'x', clientId: 'x' })).toMatch(
      /Bad username or password/i,
    );
    expect(await attempt({ clientId: 'anon' })).toMatch(/Not authorized/i);
    expect(
      await attempt({ username: 'mqtt-a1', password: 'pass-a1', clientId: agentClientId('a2') }),
    ).toMatch(/Not authorized/i);
  });

  it('an agent subscribes only to its own commands and publishes only under its own prefix', async () => {
    const a1 = await connectAgent('a1', 'pass-a1');
    // mqtt.js turns a 0x80 return code in the SUBACK into an error for that subscribe call.
    const subscribe = (filter: string) =>
      a1.subscribeAsync(filter, { qos: 1 }).then(
        () => 'granted',
        () => 'refused',
      );
    expect(await subscribe(topics.commands('a1'))).toBe('granted');
    expect(await subscribe(topics.commands('a2'))).toBe('refused');
    expect(await subscribe(topics.config('a1'))).toBe('granted');
    expect(await subscribe(topics.config('a2'))).toBe('refused');
    expect(await subscribe('kr/v1/agents/#')).toBe('refused');

    await a1.publishAsync(topics.results('a1'), 'own result', { qos: 1 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received).toContainEqual({ topic: topics.results('a1'), payload: 'own result' });

    // Aedes answers an unauthorised publish by closing the connection; nothing is delivered.
    await attemptPublish(a1, topics.results('a2'), 'forged result');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received.find((m) => m.payload === 'forged result')).toBeUndefined();

    const a1again = await connectAgent('a1', 'pass-a1');
    await attemptPublish(a1again, topics.commands('a1'), 'self-command');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received.find((m) => m.payload === 'self-command')).toBeUndefined();

    // Nor may it write its own register list (that is the office's word, not the agent's).
    const a1third = await connectAgent('a1', 'pass-a1');
    await attemptPublish(a1third, topics.config('a1'), 'self-config');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received.find((m) => m.payload === 'self-config')).toBeUndefined();
  });

  it('the cloud reaches an agent; another agent never hears it', async () => {
    const a2 = await connectAgent('a2', 'pass-a2');
    const a2messages: string[] = [];
    a2.on('message', (_topic, payload) => a2messages.push(payload.toString()));
    await a2.subscribeAsync(topics.commands('a2'), { qos: 1 });
    const a1 = await connectAgent('a1', 'pass-a1');
    const a1messages: string[] = [];
    a1.on('message', (_topic, payload) => a1messages.push(payload.toString()));
    await a1.subscribeAsync(topics.commands('a1'), { qos: 1 });
    await cloud.publishAsync(topics.commands('a2'), 'for a2', { qos: 1 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(a2messages).toEqual(['for a2']);
    expect(a1messages).toEqual([]);
  });
});
