import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import memory from 'aedes-persistence';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexedMemoryPersistence } from './retained-index';

// A real Aedes on 127.0.0.1 with the indexed persistence, real MQTT clients: what a subscriber
// receives must be what Aedes's own scan would give, and an exact filter must never cost a scan.
describe('indexedMemoryPersistence (retained messages by exact topic)', () => {
  let broker: Aedes;
  let server: Server;
  let url = '';
  let scans = 0;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    // Aedes's own memory persistence, watched: every filter list that reaches its scan is counted.
    const base = memory();
    const scan = base.createRetainedStreamCombi.bind(base);
    base.createRetainedStreamCombi = (filters) => {
      scans += filters.some((filter) => filter.startsWith('kr/')) ? 1 : 0;
      return scan(filters);
    };
    broker = await Aedes.createBroker({ persistence: indexedMemoryPersistence(base) });
    server = createServer(broker.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.endAsync()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => broker.close(() => resolve()));
  });

  const connect = async (): Promise<MqttClient> => {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
    clients.push(client);
    return client;
  };

  /** The retained messages a new subscription to `filters` receives (topic → payload). */
  const retainedFor = async (filters: string[]): Promise<Record<string, string>> => {
    const client = await connect();
    const got: Record<string, string> = {};
    client.on('message', (topic, payload, packet) => {
      if (packet.retain) got[topic] = payload.toString();
    });
    await client.subscribeAsync(filters, { qos: 1 });
    // Retained messages are sent right after the SUBACK; a round trip through the broker after it
    // (a publish to a topic of this client's own) proves they have all arrived.
    const marker = `probe/${Math.random()}`;
    await client.subscribeAsync(marker, { qos: 1 });
    const echoed = new Promise<void>((resolve) =>
      client.on('message', (topic) => topic === marker && resolve()),
    );
    await client.publishAsync(marker, 'x', { qos: 1 });
    await echoed;
    await client.endAsync();
    return got;
  };

  it('gives an exact filter its own retained message only, without scanning', async () => {
    const publisher = await connect();
    await publisher.publishAsync('kr/a/presence', 'a-online', { qos: 1, retain: true });
    await publisher.publishAsync('kr/b/presence', 'b-online', { qos: 1, retain: true });
    await publisher.publishAsync('kr/b/config', 'b-config', { qos: 1, retain: true });
    const scansBefore = scans;
    expect(await retainedFor(['kr/b/presence', 'kr/b/config', 'kr/c/config'])).toEqual({
      'kr/b/presence': 'b-online',
      'kr/b/config': 'b-config',
    });
    expect(await retainedFor(['kr/a/presence'])).toEqual({ 'kr/a/presence': 'a-online' });
    expect(scans).toBe(scansBefore);
  });

  it('leaves a filter with a wildcard to the scan, which sees the same messages', async () => {
    const scansBefore = scans;
    expect(await retainedFor(['kr/+/presence'])).toEqual({
      'kr/a/presence': 'a-online',
      'kr/b/presence': 'b-online',
    });
    expect(scans).toBe(scansBefore + 1);
  });

  it('forgets a retained message cleared with an empty payload, and keeps the newest', async () => {
    const publisher = await connect();
    await publisher.publishAsync('kr/a/presence', '', { qos: 1, retain: true });
    await publisher.publishAsync('kr/b/presence', 'b-offline', { qos: 1, retain: true });
    expect(await retainedFor(['kr/a/presence', 'kr/b/presence'])).toEqual({
      'kr/b/presence': 'b-offline',
    });
    expect(await retainedFor(['kr/#'])).toEqual({
      'kr/b/presence': 'b-offline',
      'kr/b/config': 'b-config',
    });
  });
});
