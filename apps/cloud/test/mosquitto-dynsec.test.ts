import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saleAnswerSchema, topics } from '@kassa-relay/protocol';
import { type RunningMosquitto, startMosquitto, saleBody } from '@kassa-relay/testing';
import { agentClientId } from '../src/broker/embedded-broker';
import { CloudWorld, postSale, waitUntil } from './cloud-world';

interface Enrollment {
  agentId: string;
  mqtt: { url: string; username: string; password: string };
  configKey: string;
  registers: unknown[];
}

/** Connects and says how it went: connected, or refused with the broker's reason. */
async function tryConnect(url: string, options: mqtt.IClientOptions): Promise<MqttClient | Error> {
  try {
    return await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...options });
  } catch (error) {
    return error as Error;
  }
}

describe('Mosquitto with dynamic security: the cloud provisions agents itself', () => {
  let mosquitto: RunningMosquitto;
  let world: CloudWorld;
  let admin = '';
  const clients: MqttClient[] = [];

  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${world.cloud.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  };

  /** A store with one cash-core register, and an agent enrolled for it (its config file written). */
  const enrollAgent = async (storeName: string, dirName: string) => {
    const store = await api<{ id: string }>('POST', '/api/stores', { name: storeName });
    const register = await api<{ id: string }>('POST', '/api/registers', {
      storeId: store.id,
      name: 'Касса 1',
      currency: 'KZT',
      device: { kind: 'cash-core', url: world.cashCore.url, accessCode: '0000', kkmOfdId: 6923 },
      taxTable: [{ percent: 12 }],
    });
    const { token } = await api<{ token: string }>('POST', '/api/enrollment-tokens', { storeId: store.id });
    const enrollment = (await (
      await fetch(`${world.cloud.url}/api/agents/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, name: 'ПК кассы' }),
      })
    ).json()) as Enrollment;
    const configPath = join(world.dir.path, `${dirName}.json`);
    writeFileSync(
      configPath,
      JSON.stringify({
        agentId: enrollment.agentId,
        mqtt: { ...enrollment.mqtt, reconnectMinMs: 100, reconnectMaxMs: 500 },
        configKey: enrollment.configKey,
        dataDir: join(world.dir.path, dirName),
        http: { port: 0 },
        heartbeatIntervalSec: 1,
        registers: enrollment.registers,
      }),
    );
    return { register, enrollment, configPath };
  };

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    world = new CloudWorld({
      env: {
        MQTT_URL: mosquitto.url,
        MQTT_USERNAME: mosquitto.admin.username,
        MQTT_PASSWORD: mosquitto.admin.password,
        KASSA_MQTT_PROVISIONING: 'dynsec',
      },
    });
    await world.start();
    admin = await world.adminToken();
  }, 120_000);
  afterAll(async () => {
    for (const client of clients) await client.endAsync(true).catch(() => undefined);
    await world?.close();
    await mosquitto?.close();
  });

  it('enrollment creates the agent on the broker; it sells; it cannot take the cloud’s client id nor another’s topics; disabling removes it at once', async () => {
    const { register, enrollment, configPath } = await enrollAgent('Магазин на Сатпаева', 'dynsec-agent');
    expect(enrollment.mqtt.url).toBe(mosquitto.url);
    await world.startAgent(configPath, enrollment.agentId);
    const { key } = await api<{ key: string }>('POST', '/api/pos-keys', {
      registerId: register.id,
      name: 'web shop',
    });
    const sale = saleAnswerSchema.parse(
      (
        await postSale(
          world.cloud.url,
          key,
          saleBody('M-1', 12_000, {
            docTime: '2026-12-01 12:00:00',
            items: [{ itemId: '1', itemName: 'Чай', itemQty: 1000, itemAmount: 12_000 }],
          }),
        )
      ).answer,
    );
    expect(sale).toMatchObject({ code: 0 });

    // The register list on the broker (retained) carries the cash core's PIN only sealed.
    const cloudEye = await mqtt.connectAsync(mosquitto.url, {
      ...mosquitto.admin,
      clientId: `test-eye-${Date.now()}`,
      reconnectPeriod: 0,
    });
    clients.push(cloudEye);
    const retained = new Promise<string>((resolve) =>
      cloudEye.on('message', (_topic, payload) => resolve(payload.toString())),
    );
    await cloudEye.subscribeAsync(topics.config(enrollment.agentId), { qos: 1 });
    const config = JSON.parse(await retained) as Record<string, unknown>;
    expect(config['sealed']).toBeDefined();
    expect(config['registers']).toBeUndefined();
    expect(JSON.stringify(config)).not.toContain('"accessCode"');

    // The agent's credentials with the cloud's client id: refused (its client id is fixed).
    const thief = await tryConnect(mosquitto.url, {
      clientId: 'kassa-cloud',
      username: enrollment.mqtt.username,
      password: enrollment.mqtt.password,
    });
    expect(thief).toBeInstanceOf(Error);
    // With its own client id it may not read another agent's commands.
    const second = await tryConnect(mosquitto.url, {
      clientId: agentClientId(enrollment.agentId),
      username: enrollment.mqtt.username,
      password: enrollment.mqtt.password,
    });
    if (second instanceof Error) throw second;
    clients.push(second);
    // Refused: SUBACK 0x80 (mqtt.js turns it into an error).
    const grantedQos = await second.subscribeAsync(topics.commands('agent-someone-else'), { qos: 1 }).then(
      (granted) => granted[0]?.qos,
      () => 128,
    );
    expect(grantedQos).toBe(128);
    await second.endAsync(true);

    // Disabled in the office: its account goes, its connection is closed, it cannot come back.
    await api('POST', `/api/agents/${enrollment.agentId}/disable`);
    await waitUntil(
      async () =>
        (await world.prisma.agent.findUnique({ where: { id: enrollment.agentId } }))?.online === false,
      10_000,
      'the agent offline',
    );
    const back = await tryConnect(mosquitto.url, {
      clientId: agentClientId(enrollment.agentId),
      username: enrollment.mqtt.username,
      password: enrollment.mqtt.password,
    });
    expect(back).toBeInstanceOf(Error);
    // And the cloud routes nothing to it any more.
    const refused = saleAnswerSchema.parse(
      (
        await postSale(
          world.cloud.url,
          key,
          saleBody('M-2', 13_000, {
            docTime: '2026-12-01 12:05:00',
            items: [{ itemId: '1', itemName: 'Чай', itemQty: 1000, itemAmount: 13_000 }],
          }),
        )
      ).answer,
    );
    expect(refused.code).not.toBe(0);
    expect(refused.message).toMatch(/отключён/);
    expect((await world.journal(world.cashCore)).filter((e) => e.kind === 'sale')).toHaveLength(1);
  });
  it('an agent that dies while every cloud instance is away past its broker session is offline when one starts again (its retained last will)', async () => {
    const { enrollment, configPath } = await enrollAgent('Магазин на Абая', 'dynsec-agent-2');
    await world.startAgent(configPath, enrollment.agentId);
    const online = async () =>
      (await world.prisma.agent.findUniqueOrThrow({ where: { id: enrollment.agentId } })).online;
    // Stopped cleanly, the only instance ends its broker session at once: nothing is kept for it.
    await world.cloud.stop();
    // The agent dies meanwhile. The broker publishes its last will (retained) to a shared group with
    // no member: no instance will ever be handed it, and the database still says online.
    await world.agent!.stop('SIGKILL');
    world.agent = undefined;
    expect(await online()).toBe(true);
    await world.startCloud();
    await waitUntil(async () => !(await online()), 20_000, 'offline by its retained last will');
    // An agent alive across the restart stays online: it starts again and is online as ever.
    await world.startAgent(configPath, enrollment.agentId);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await online()).toBe(true);
  });
});
