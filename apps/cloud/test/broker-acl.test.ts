import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import mqtt, { type MqttClient } from 'mqtt';
import { tempDir } from '@kassa-relay/testing';
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

/** A raw TCP (or TLS) connection that says whether the broker cut it within a bounded time. */
function closedWithin(socket: Socket | TLSSocket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.on('error', () => undefined);
  });
}

/** A self-signed certificate for 127.0.0.1, made with openssl for this test. */
function selfSignedCertificate(dir: string): { cert: Buffer; key: Buffer } {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  return { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) };
}

describe('embedded broker: limits before and after authentication, and TLS', () => {
  let broker: EmbeddedBroker;
  const dir = tempDir('broker-tls-');
  const clients: MqttClient[] = [];
  let certificate: { cert: Buffer; key: Buffer };
  const violations: string[] = [];

  beforeAll(async () => {
    certificate = selfSignedCertificate(dir.path);
    broker = await startEmbeddedBroker({
      port: 0,
      cloudUser,
      tls: { port: 0, ...certificate },
      limits: { preAuthBytes: 4096, maxPacketBytes: 64 * 1024 },
      onViolation: (reason) => violations.push(reason),
      credentials: {
        findByUsername: async (username) =>
          username === 'mqtt-a1' ? { agentId: 'a1', passwordHash: await hashSecret('pass-a1') } : null,
      },
    });
  });
  afterAll(async () => {
    for (const client of clients) await client.endAsync(true).catch(() => undefined);
    await broker.close();
    dir.remove();
  });

  it('cuts a stranger that announces a huge packet before it has logged in, without buffering it', async () => {
    const socket = connect(broker.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const closed = closedWithin(socket, 3_000);
    // A CONNECT fixed header declaring ~256 MB, then a trickle of its body.
    socket.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]));
    socket.write(Buffer.alloc(1024, 0x41));
    expect(await closed).toBe(true);
    expect(violations.some((v) => /packet \(limit 4096\)/.test(v))).toBe(true);
  });

  it('cuts a stranger that keeps sending while it is not logged in', async () => {
    const socket = connect(broker.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const closed = closedWithin(socket, 3_000);
    // Many small packets that never authenticate (PINGREQ before CONNECT).
    for (let i = 0; i < 3_000; i++) socket.write(Buffer.from([0xc0, 0x00]));
    expect(await closed).toBe(true);
  });

  it('an authenticated agent may not send a packet over the limit; a normal one goes through', async () => {
    const agent = await mqtt.connectAsync(broker.url, {
      clientId: agentClientId('a1'),
      username: 'mqtt-a1',
      password: 'pass-a1',
      reconnectPeriod: 0,
    });
    clients.push(agent);
    await agent.publishAsync(topics.results('a1'), 'x'.repeat(10_000), { qos: 1 });
    const closed = new Promise<boolean>((resolve) => {
      agent.once('close', () => resolve(true));
      setTimeout(() => resolve(false), 3_000);
    });
    agent.publish(topics.results('a1'), 'x'.repeat(100_000), { qos: 1 });
    expect(await closed).toBe(true);
  });

  it('speaks MQTT over TLS with the configured certificate, same accounts', async () => {
    expect(broker.tlsUrl).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    const agent = await mqtt.connectAsync(broker.tlsUrl as string, {
      clientId: agentClientId('a1'),
      username: 'mqtt-a1',
      password: 'pass-a1',
      ca: certificate.cert,
      reconnectPeriod: 0,
    });
    clients.push(agent);
    expect(agent.connected).toBe(true);
    // A wrong password is refused over TLS as over TCP.
    await expect(
      mqtt.connectAsync(broker.tlsUrl as string, {
        clientId: agentClientId('a1'),
        username: 'mqtt-a1',
        password: 'wrong',
        ca: certificate.cert,
        reconnectPeriod: 0,
      }),
    ).rejects.toThrow();
  });
});
