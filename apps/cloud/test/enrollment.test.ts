import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCashCoreSimulator } from '@kassa-relay/cash-core-sim';
import { saleAnswerSchema, topics } from '@kassa-relay/protocol';
import { agentRegisterIds, saleBody, type StartedProcess } from '@kassa-relay/testing';
import { agentClientId } from '../src/broker/embedded-broker';
import {
  api,
  createRegister,
  createStore,
  enrollArgs,
  runAgentCli,
  startEnrolledAgent,
  viewerToken,
} from './admin-kit';
import { CloudWorld, freePort, waitUntil } from './cloud-world';

interface WrittenConfig {
  agentId: string;
  mqtt: { url: string; username: string; password: string };
  dataDir: string;
  registers: { id: string; kind: string }[];
}

describe('enrollment: office token → `kassa-agent enroll` → a running agent that fiscalizes', () => {
  const world = new CloudWorld();
  const agents: StartedProcess[] = [];
  const mqttClients: MqttClient[] = [];
  const simulators: { close(): Promise<void> }[] = [];
  let admin: string;
  let storeId: string;
  const registers = { ikkm: '', cashCore: '' };
  let first: WrittenConfig;

  beforeAll(async () => {
    await world.start();
    admin = await world.adminToken();
    storeId = await createStore(world, admin, 'Магазин на Абая');
    registers.ikkm = await createRegister(world, admin, storeId, 'iKKM 1', {
      kind: 'ikkm',
      url: world.ikkm.url,
      initialKey: '11112222',
      minRequestIntervalMs: 0,
    });
    registers.cashCore = await createRegister(world, admin, storeId, 'Cash core 1', {
      kind: 'cash-core',
      url: world.cashCore.url,
      accessCode: '0000',
      kkmOfdId: 6923,
    });
  }, 120_000);
  afterAll(async () => {
    for (const client of mqttClients) await client.endAsync(true).catch(() => undefined);
    for (const agent of agents) await agent.stop().catch(() => undefined);
    for (const simulator of simulators) await simulator.close().catch(() => undefined);
    await world.close();
  });

  const newToken = async (store = storeId, name?: string) => {
    const answer = await api(world, admin, 'POST', '/api/enrollment-tokens', {
      storeId: store,
      ttlHours: 2,
      ...(name ? { name } : {}),
    });
    expect(answer.status).toBe(201);
    return answer.body as { id: string; token: string; expiresAt: string; command: string };
  };

  it('enrolls a store PC with the command the office is shown, and the agent fiscalizes a /sale', async () => {
    const token = await newToken();
    expect(token.command).toBe(`kassa-agent enroll --cloud ${world.cloud.url} --token ${token.token}`);
    // The token itself is never stored: only its hash.
    const stored = await world.prisma.enrollmentToken.findUniqueOrThrow({ where: { id: token.id } });
    expect(JSON.stringify(stored)).not.toContain(token.token);

    const configPath = join(world.dir.path, 'store-pc', 'kassa-agent.json');
    const run = await runAgentCli([
      ...enrollArgs(token.command),
      '--config',
      configPath,
      '--data-dir',
      join(world.dir.path, 'store-pc', 'data'),
      '--name',
      'Мини-ПК кассы',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    first = JSON.parse(readFileSync(configPath, 'utf8')) as WrittenConfig;
    expect(run.stdout).toContain(`Enrolled as agent ${first.agentId}`);
    expect(run.stdout).toContain(`kassa-agent --config ${configPath}`);
    expect(statSync(configPath).mode & 0o777).toBe(0o600);
    expect(first.agentId).toMatch(/^agent-[0-9a-f]+$/);
    expect(first.mqtt).toMatchObject({ url: world.cloud.mqttUrl, username: first.agentId });
    expect(first.registers.map((r) => [r.id, r.kind]).sort()).toEqual(
      [
        [registers.ikkm, 'ikkm'],
        [registers.cashCore, 'cash-core'],
      ].sort(),
    );
    // The MQTT password (192 random bits) is stored salted and hashed, never in clear: SHA-256, so a
    // broker checks it cheaply on every CONNECT (and EMQX can check it itself).
    const row = await world.prisma.agent.findUniqueOrThrow({ where: { id: first.agentId } });
    expect(row.mqttPasswordHash).toMatch(/^sha256\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
    expect(row.mqttPasswordHash).not.toContain(first.mqtt.password);
    expect(row.name).toBe('Мини-ПК кассы');
    expect(
      (await world.prisma.register.findMany({ where: { storeId } })).every(
        (r) => r.agentId === first.agentId,
      ),
    ).toBe(true);

    agents.push(await startEnrolledAgent(world, configPath, first.agentId));
    const listed = await api(world, admin, 'GET', '/api/agents');
    expect(listed.body).toContainEqual(
      expect.objectContaining({
        id: first.agentId,
        name: 'Мини-ПК кассы',
        storeId,
        online: true,
        disabled: false,
        registerIds: expect.arrayContaining([registers.ikkm, registers.cashCore]),
      }),
    );
    const tokens = await api(world, admin, 'GET', '/api/enrollment-tokens');
    expect(tokens.body).toContainEqual(
      expect.objectContaining({
        id: token.id,
        storeId,
        name: null,
        agentId: first.agentId,
        usedAt: expect.any(String),
      }),
    );

    for (const [registerId, sim, total] of [
      [registers.ikkm, world.ikkm, 41_100],
      [registers.cashCore, world.cashCore, 42_200],
    ] as const) {
      const key = await api(world, admin, 'POST', '/api/pos-keys', { registerId, name: 'касса 1' });
      expect(key.status).toBe(201);
      const response = await fetch(`${world.cloud.url}/sale`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key.body.key as string}` },
        body: JSON.stringify(saleBody(`E-${total}`, total)),
      });
      const answer = saleAnswerSchema.parse(await response.json());
      expect(answer).toMatchObject({ status: 'success', code: 0 });
      expect(answer.fiscalID).toBeTruthy();
      expect((await world.journal(sim)).filter((e) => e.kind === 'sale' && e.total === total)).toHaveLength(
        1,
      );
    }
  });

  it('a register added, then unbound, in the office reaches the running agent without a restart', async () => {
    const running = () => agentRegisterIds(agents[0]!);
    const extra = await startCashCoreSimulator({
      port: 0,
      stateDir: join(world.dir.path, 'cc-extra'),
      adminPin: '0000',
    });
    try {
      const created = await api(world, admin, 'POST', '/api/registers', {
        storeId,
        agentId: first.agentId,
        name: 'Cash core 2',
        device: { kind: 'cash-core', url: extra.url, accessCode: '0000', kkmOfdId: 6923 },
        taxTable: [{ percent: 12, name: 'НДС 12%' }],
      });
      expect(created.status).toBe(201);
      const registerId = created.body.id as string;
      await waitUntil(
        async () => (await running()).includes(registerId),
        15_000,
        'the agent took the new register',
      );

      const key = await api(world, admin, 'POST', '/api/pos-keys', { registerId, name: 'касса 2' });
      const response = await fetch(`${world.cloud.url}/sale`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key.body.key as string}` },
        body: JSON.stringify(saleBody('E-NEW-1', 43_300)),
      });
      expect(saleAnswerSchema.parse(await response.json())).toMatchObject({ status: 'success', code: 0 });
      expect(
        (await world.journal(extra)).filter((e) => e.kind === 'sale' && e.total === 43_300),
      ).toHaveLength(1);

      const unbound = await api(world, admin, 'PATCH', `/api/registers/${registerId}`, { agentId: null });
      expect(unbound.status).toBe(200);
      await waitUntil(
        async () => !(await running()).includes(registerId),
        15_000,
        'the agent dropped the unbound register',
      );
      expect(await running()).toEqual([registers.ikkm, registers.cashCore].sort());

      // Bound again (the store keeps no register without an agent for the tests that follow).
      expect(
        (await api(world, admin, 'PATCH', `/api/registers/${registerId}`, { agentId: first.agentId })).status,
      ).toBe(200);
      await waitUntil(async () => (await running()).includes(registerId), 15_000, 'the agent took it back');
    } finally {
      simulators.push(extra);
    }
  });

  it('refuses a used token, an expired one and an unknown one; an existing config is not replaced', async () => {
    const used = await world.prisma.enrollmentToken.findFirstOrThrow({ where: { agentId: first.agentId } });
    expect(used.usedAt).not.toBeNull();
    // The same command again (another config path, so the CLI really asks the cloud).
    const token = await newToken();
    const firstUse = await api(world, undefined, 'POST', '/api/agents/enroll', { token: token.token });
    // Every register of the store already has its agent: refused, and the token is not spent.
    expect(firstUse.status).toBe(409);
    expect(firstUse.body.message).toMatch(/no register without an agent/);
    const otherStore = await createStore(world, admin, 'Магазин на Сатпаева');
    await createRegister(world, admin, otherStore, 'Cash core 2', {
      kind: 'cash-core',
      url: world.cashCore.url,
      accessCode: '0000',
      kkmOfdId: 6923,
    });
    const reusable = await newToken(otherStore, 'ПК на Сатпаева');
    const once = await runAgentCli([
      ...enrollArgs(reusable.command),
      '--config',
      join(world.dir.path, 'pc-2', 'a.json'),
    ]);
    expect(once.code).toBe(0);
    // No --name: the agent takes the name the admin gave its token (not the PC's host name).
    const second = JSON.parse(readFileSync(join(world.dir.path, 'pc-2', 'a.json'), 'utf8')) as WrittenConfig;
    expect((await world.prisma.agent.findUniqueOrThrow({ where: { id: second.agentId } })).name).toBe(
      'ПК на Сатпаева',
    );
    expect((await api(world, admin, 'GET', '/api/enrollment-tokens')).body).toContainEqual(
      expect.objectContaining({ id: reusable.id, name: 'ПК на Сатпаева', agentId: second.agentId }),
    );
    const twice = await runAgentCli([
      ...enrollArgs(reusable.command),
      '--config',
      join(world.dir.path, 'pc-2', 'b.json'),
    ]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/refused the token: it is unknown, already used or expired/);
    expect(twice.stdout).toBe('');

    const expiring = await newToken();
    await world.prisma.enrollmentToken.update({
      where: { id: expiring.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const expired = await runAgentCli([
      ...enrollArgs(expiring.command),
      '--config',
      join(world.dir.path, 'pc-3', 'a.json'),
    ]);
    expect(expired.code).toBe(1);
    expect(expired.stderr).toMatch(/unknown, already used or expired/);
    expect(
      (await api(world, undefined, 'POST', '/api/agents/enroll', { token: 'kr_enroll_nope' })).status,
    ).toBe(401);

    // An existing config stays as it is, and the token is not spent on the attempt.
    const existing = join(world.dir.path, 'pc-4.json');
    writeFileSync(existing, '{"keep":"me"}');
    const third = await newToken(otherStore);
    const refused = await runAgentCli([...enrollArgs(third.command), '--config', existing]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/already exists: pass --force/);
    expect(readFileSync(existing, 'utf8')).toBe('{"keep":"me"}');
    expect(
      (await world.prisma.enrollmentToken.findUniqueOrThrow({ where: { id: third.id } })).usedAt,
    ).toBeNull();
  });

  it('describes the agent, enrollment, operator and POS key routes in the OpenAPI document', async () => {
    const document = (await (await fetch(`${world.cloud.url}/api/docs/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/api/agents',
        '/api/agents/enroll',
        '/api/agents/{id}/disable',
        '/api/enrollment-tokens',
        '/api/pos-keys',
        '/api/pos-keys/{id}/revoke',
        '/api/operators',
        '/api/operators/{id}',
        '/api/operators/{id}/reset-pin',
      ]),
    );
  });

  it('says so clearly when the cloud cannot be reached', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const run = await runAgentCli([
      'enroll',
      '--cloud',
      nowhere,
      '--token',
      'kr_enroll_x',
      '--config',
      join(world.dir.path, 'pc-5', 'a.json'),
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot reach the cloud at ${nowhere} (ECONNREFUSED)`);
    const usage = await runAgentCli(['enroll', '--token', 'x']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--cloud <http\(s\) url> and --token <token> are required/);
  });

  it("an agent's MQTT credentials reach only its own topics; a disabled agent is cut off", async () => {
    // A second agent, enrolled for another store; its credentials are used directly with mqtt.js.
    const store = await createStore(world, admin, 'Склад');
    await createRegister(world, admin, store, 'iKKM склад', {
      kind: 'ikkm',
      url: world.ikkm.url,
      initialKey: '11112222',
    });
    const token = await newToken(store);
    const enrolled = await api(world, undefined, 'POST', '/api/agents/enroll', { token: token.token });
    expect(enrolled.status).toBe(200);
    const second = enrolled.body as WrittenConfig;
    expect(second.mqtt.url).toBe(world.cloud.mqttUrl);

    const connect = (options: mqtt.IClientOptions) =>
      mqtt
        .connectAsync(second.mqtt.url, { reconnectPeriod: 0, protocolVersion: 4, ...options })
        .then((client) => {
          mqttClients.push(client);
          return client;
        });
    // Another agent's identity cannot be borrowed: not its client id, not its username.
    await expect(connect({ ...second.mqtt, clientId: agentClientId(first.agentId) })).rejects.toThrow(
      /Not authorized/i,
    );
    await expect(
      connect({
        username: first.agentId,
        password: second.mqtt.password,
        clientId: agentClientId(first.agentId),
      }),
    ).rejects.toThrow(/Bad username or password/i);

    const client = await connect({ ...second.mqtt, clientId: agentClientId(second.agentId) });
    const subscribe = (filter: string) =>
      client.subscribeAsync(filter, { qos: 1 }).then(
        () => 'granted',
        () => 'refused',
      );
    expect(await subscribe(topics.commands(second.agentId))).toBe('granted');
    expect(await subscribe(topics.commands(first.agentId))).toBe('refused');
    expect(await subscribe(topics.results(first.agentId))).toBe('refused');
    // Its own register list, yes; another agent's (device credentials inside), no.
    expect(await subscribe(topics.config(second.agentId))).toBe('granted');
    expect(await subscribe(topics.config(first.agentId))).toBe('refused');
    expect(await subscribe('kr/v1/agents/#')).toBe('refused');

    // A forged "offline" for the first agent is refused (the broker drops the connection) and
    // changes nothing in the cloud.
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    void client
      .publishAsync(
        topics.presence(first.agentId),
        JSON.stringify({ v: 1, agentId: first.agentId, state: 'offline', at: new Date().toISOString() }),
        { qos: 1, retain: true },
      )
      .catch(() => undefined);
    await closed;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await world.prisma.agent.findUniqueOrThrow({ where: { id: first.agentId } })).online).toBe(true);

    // Disabling: the open connection closes and the credentials stop working.
    const again = await connect({ ...second.mqtt, clientId: agentClientId(second.agentId) });
    const cut = new Promise<void>((resolve) => again.once('close', () => resolve()));
    const viewer = await viewerToken(world);
    expect((await api(world, viewer, 'POST', `/api/agents/${second.agentId}/disable`)).status).toBe(403);
    const disabled = await api(world, admin, 'POST', `/api/agents/${second.agentId}/disable`);
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ id: second.agentId, disabled: true, online: false });
    await cut;
    await expect(connect({ ...second.mqtt, clientId: agentClientId(second.agentId) })).rejects.toThrow(
      /Bad username or password/i,
    );
    expect((await api(world, admin, 'POST', '/api/agents/agent-unknown/disable')).status).toBe(404);
  });
});
