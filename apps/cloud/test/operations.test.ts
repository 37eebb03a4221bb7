import { saleBody } from '@kassa-relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { io, type Socket } from 'socket.io-client';
import { ENVELOPE_VERSION, topics } from '@kassa-relay/protocol';
import { hashMachineSecret, newSecret } from '../src/security/secret-hash';
import { CloudWorld, waitUntil } from './cloud-world';

describe('cloud operations: health, metrics, live admin feed, admin auth', () => {
  const world = new CloudWorld();
  beforeAll(async () => {
    await world.start();
    await world.seedStore();
    await world.startAgent();
  }, 120_000);
  afterAll(() => world.close());

  it('answers liveness and readiness (database and broker checked)', async () => {
    const live = await fetch(`${world.cloud.url}/health/live`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${world.cloud.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { database: true, broker: true, accepting: true },
    });
  });

  it('refuses the admin API without a valid token, and a wrong password', async () => {
    expect((await fetch(`${world.cloud.url}/api/auth/me`)).status).toBe(401);
    const forged = await fetch(`${world.cloud.url}/api/auth/me`, {
      headers: { authorization: 'Bearer a.b.c' },
    });
    expect(forged.status).toBe(401);
    const wrong = await fetch(`${world.cloud.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@example.kz', password: 'nope' }),
    });
    expect(wrong.status).toBe(401);
    const malformed = await fetch(`${world.cloud.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"email":',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { message: string }).message).toMatch(/JSON/);
    const token = await world.adminToken();
    const me = await fetch(`${world.cloud.url}/api/auth/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await me.json()).toMatchObject({ email: 'admin@example.kz', role: 'admin' });
  });

  it('pushes live updates on socket.io /admin: new documents, and register state when a heartbeat reports a change', async () => {
    const token = await world.adminToken();
    const socket: Socket = io(`${world.cloud.url}/admin`, { auth: { token }, transports: ['websocket'] });
    const seen: { event: string; payload: { registerId?: string; status?: string } }[] = [];
    socket.onAny((event: string, payload: { registerId?: string }) => seen.push({ event, payload }));
    try {
      await waitUntil(() => socket.connected, 10_000, 'admin socket connected');
      // The sale opens the shift and puts cash in the drawer: the next heartbeat reports a new state.
      const response = await fetch(`${world.cloud.url}/sale`, {
        method: 'POST',
        headers: { authorization: `Bearer ${world.seed!.posKeys.cashCore}` },
        body: JSON.stringify(
          saleBody('LIVE-1', 10_000, {
            docTime: '2026-11-23 11:00:00',
            items: [{ itemId: '1', itemName: 'Чай', itemQty: 1000, itemAmount: 10_000 }],
          }),
        ),
      });
      expect(((await response.json()) as { code: number }).code).toBe(0);
      await waitUntil(
        () => seen.some((e) => e.event === 'document.changed' && e.payload.status === 'done'),
        10_000,
        'a document.changed event',
      );
      const saleSeenAt = seen.length;
      await waitUntil(
        () =>
          seen
            .slice(saleSeenAt)
            .some(
              (e) =>
                e.event === 'register.state' &&
                e.payload.registerId === world.seed!.registers.cashCore &&
                (e.payload as { state?: { shiftOpen?: boolean } }).state?.shiftOpen === true,
            ),
        10_000,
        'a register.state event from a heartbeat after the sale',
      );
    } finally {
      socket.close();
    }
  });

  it('writes an unchanged register state again once it is a minute old, with its event; only for registers the agent serves', async () => {
    const { ikkm, cashCore } = world.seed!.registers;
    const token = await world.adminToken();
    const socket: Socket = io(`${world.cloud.url}/admin`, { auth: { token }, transports: ['websocket'] });
    const seen: { registerId?: string; state?: { updatedAt?: string; reachable?: boolean } }[] = [];
    socket.on('register.state', (payload: (typeof seen)[number]) => seen.push(payload));
    try {
      await waitUntil(() => socket.connected, 10_000, 'admin socket connected');
      const stateOf = (id: string) =>
        world.prisma.register.findUniqueOrThrow({
          where: { id },
          select: { stateUpdatedAt: true, healthDigest: true, agentId: true, reachable: true },
        });
      // The agent heartbeats every second with unchanged health: the states stay as they are…
      const before = await stateOf(cashCore);
      expect(before.healthDigest).toBeTruthy();
      // …until they are older than a minute. The iKKM register no longer belongs to this agent.
      const old = new Date(Date.now() - 5 * 60_000);
      await world.prisma.register.update({ where: { id: cashCore }, data: { stateUpdatedAt: old } });
      await world.prisma.register.update({
        where: { id: ikkm },
        data: { stateUpdatedAt: old, agentId: null },
      });
      const written = Date.now() - 1000;
      await waitUntil(
        async () => ((await stateOf(cashCore)).stateUpdatedAt?.getTime() ?? 0) >= written,
        10_000,
        'the cash-core state written again',
      );
      const after = await stateOf(cashCore);
      expect(after.healthDigest).toBe(before.healthDigest);
      expect(after.reachable).toBe(before.reachable);
      await waitUntil(
        () => seen.some((e) => e.registerId === cashCore && Date.parse(e.state?.updatedAt ?? '') >= written),
        10_000,
        'a register.state event with the new "updated"',
      );
      // Several heartbeats later, the register the agent no longer serves is as it was.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expect((await stateOf(ikkm)).stateUpdatedAt).toEqual(old);
      expect(seen.some((e) => e.registerId === ikkm)).toBe(false);
    } finally {
      socket.close();
      await world.prisma.register.update({ where: { id: ikkm }, data: { agentId: world.seed!.agentId } });
    }
  });

  /** A second agent of the store, connected by hand so that a test says exactly what it publishes. */
  async function handAgent() {
    const agentId = `agent-presence-${newSecret(4).replace(/[^A-Za-z0-9]/g, 'x')}`;
    const password = newSecret();
    await world.prisma.agent.create({
      data: {
        id: agentId,
        storeId: world.seed!.storeId,
        name: 'Второй ПК',
        mqttUsername: agentId,
        mqttPasswordHash: hashMachineSecret(password),
      },
    });
    const client = await mqtt.connectAsync(world.cloud.mqttUrl, {
      clientId: `kassa-agent-${agentId}`,
      username: agentId,
      password,
      reconnectPeriod: 0,
    });
    const agent = () =>
      world.prisma.agent.findUniqueOrThrow({
        where: { id: agentId },
        select: { online: true, lastSeenAt: true, version: true },
      });
    const presence = (state: 'online' | 'offline', at: Date | string, agentVersion?: string, link?: string) =>
      client.publishAsync(
        topics.presence(agentId),
        JSON.stringify({
          v: ENVELOPE_VERSION,
          agentId,
          state,
          at: typeof at === 'string' ? at : at.toISOString(),
          ...(agentVersion ? { agentVersion } : {}),
          ...(link ? { link } : {}),
        }),
        { qos: 1, retain: true },
      );
    /** A heartbeat sent at `sentAt` on `link` (none: an older agent). */
    const heartbeat = (sentAt: Date, link?: string) =>
      client.publishAsync(
        topics.heartbeat(agentId),
        JSON.stringify({
          v: ENVELOPE_VERSION,
          agentId,
          sentAt: sentAt.toISOString(),
          ...(link ? { link } : {}),
          agentVersion: '9.9.9',
          uptimeSec: 1,
          journalDepth: 0,
          registers: [],
        }),
        { qos: 1 },
      );
    return { agentId, client, agent, presence, heartbeat };
  }

  it('presence: online with version, "last seen" never goes back, a disabled agent is not news', async () => {
    const { agentId, client, agent, presence } = await handAgent();
    try {
      const now = new Date(Math.floor(Date.now() / 1000) * 1000);
      await presence('online', now, '9.9.9');
      await waitUntil(async () => (await agent()).online, 10_000, 'the agent online');
      expect(await agent()).toEqual({ online: true, lastSeenAt: now, version: '9.9.9' });
      // An older presence (a retained one handed again) changes the state, not "last seen"; no
      // version keeps the one known.
      await presence('offline', new Date(now.getTime() - 3_600_000));
      await waitUntil(async () => !(await agent()).online, 10_000, 'the agent offline');
      expect(await agent()).toEqual({ online: false, lastSeenAt: now, version: '9.9.9' });
      // Presences arriving together are written together: the last to arrive is the state.
      const later = new Date(now.getTime() + 1_000);
      await Promise.all([
        presence('online', later, '9.9.9'),
        presence('offline', later),
        presence('online', new Date(now.getTime() + 2_000)),
        presence('offline', later),
      ]);
      // The state the last presence leaves (offline, with the latest time), whatever was coalesced.
      await waitUntil(
        async () => {
          const row = await agent();
          return !row.online && row.lastSeenAt?.getTime() === now.getTime() + 2_000;
        },
        10_000,
        'the burst written',
      );
      expect(await agent()).toEqual({
        online: false,
        lastSeenAt: new Date(now.getTime() + 2_000),
        version: '9.9.9',
      });
      // A disabled agent's presence writes nothing.
      await world.prisma.agent.update({ where: { id: agentId }, data: { disabledAt: new Date() } });
      await presence('online', new Date(now.getTime() + 60_000), '9.9.10');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await agent()).toEqual({
        online: false,
        lastSeenAt: new Date(now.getTime() + 2_000),
        version: '9.9.9',
      });
    } finally {
      await client.endAsync();
    }
  });

  it('presence: late news of a link already reported dead (its heartbeat, its online) does not bring the agent back', async () => {
    const { agentId, client, agent, presence, heartbeat } = await handAgent();
    const heartbeatSent = async (sentAt: Date) =>
      waitUntil(
        async () => {
          const row = await world.prisma.agent.findUniqueOrThrow({
            where: { id: agentId },
            select: { lastHeartbeat: true },
          });
          return (row.lastHeartbeat as { sentAt?: string } | null)?.sentAt === sentAt.toISOString();
        },
        10_000,
        `the heartbeat sent at ${sentAt.toISOString()} written`,
      );
    try {
      const t0 = new Date(Math.floor(Date.now() / 1000) * 1000);
      const at = (sec: number) => new Date(t0.getTime() + sec * 1000);
      const tag = newSecret(4).replace(/[^\w-]/g, 'x');
      const [linkA, linkB, linkC] = [`a-${tag}`, `b-${tag}`, `c-${tag}`];
      await presence('online', t0, '9.9.9', linkA);
      await waitUntil(async () => (await agent()).online, 10_000, 'online on link A');
      // Link A dies: the broker publishes its last will. A heartbeat and the online presence A sent
      // before, handled after the will (another writer, another instance), leave the agent offline.
      await presence('offline', at(1), undefined, linkA);
      await waitUntil(async () => !(await agent()).online, 10_000, 'offline: link A is dead');
      await heartbeat(at(5), linkA);
      await heartbeatSent(at(5));
      expect((await agent()).online).toBe(false);
      await presence('online', at(6), '9.9.9', linkA);
      await waitUntil(
        async () => (await agent()).lastSeenAt?.getTime() === at(6).getTime(),
        10_000,
        'late online',
      );
      expect((await agent()).online).toBe(false);
      // Link B: its online presence was lost, but its heartbeats say it is up.
      await heartbeat(at(11), linkB);
      await waitUntil(async () => (await agent()).online, 10_000, 'online on link B');
      // Link A's online handled even later (a retried batch) does not take B's agent offline.
      await presence('online', at(12), '9.9.9', linkA);
      await waitUntil(
        async () => (await agent()).lastSeenAt?.getTime() === at(12).getTime(),
        10_000,
        'later',
      );
      expect((await agent()).online).toBe(true);
      // The agent says goodbye on B; a heartbeat B sent before that, handled after it, changes nothing.
      await presence('offline', at(20), undefined, linkB);
      await waitUntil(async () => !(await agent()).online, 10_000, 'offline: goodbye on link B');
      await heartbeat(at(15), linkB);
      await heartbeatSent(at(15));
      expect(await agent()).toMatchObject({ online: false, lastSeenAt: at(20) });
      // An older agent's heartbeat (no link) says online, as it always did.
      await heartbeat(at(30));
      await waitUntil(async () => (await agent()).online, 10_000, 'online: an older agent');
      // Presences that arrive while a write waits are written as one: link C's will and then its
      // late online, merged, still leave the agent offline. (The wait: a row lock held here on
      // another agent, whose presence is written first.)
      await presence('online', at(40), '9.9.9', linkC);
      await waitUntil(async () => (await agent()).lastSeenAt?.getTime() === at(40).getTime(), 10_000, 'on C');
      const blocker = await handAgent();
      try {
        await world.prisma.$transaction(async (tx) => {
          await tx.$queryRaw`SELECT 1 FROM "Agent" WHERE "id" = ${blocker.agentId} FOR UPDATE`;
          await blocker.presence('online', at(40));
          await new Promise((resolve) => setTimeout(resolve, 300));
          await presence('offline', at(41), undefined, linkC);
          await presence('online', at(42), '9.9.9', linkC);
          await new Promise((resolve) => setTimeout(resolve, 300));
        });
        await waitUntil(
          async () => (await agent()).lastSeenAt?.getTime() === at(42).getTime(),
          10_000,
          'merged',
        );
        expect((await agent()).online).toBe(false);
      } finally {
        await blocker.client.endAsync();
        // Out of the way of the tests that count online agents.
        await world.prisma.agent.update({
          where: { id: blocker.agentId },
          data: { online: false, disabledAt: new Date() },
        });
      }
    } finally {
      await client.endAsync();
      await world.prisma.agent.update({ where: { id: agentId }, data: { online: false } });
    }
  });

  it('presence: an agent back through a heartbeat (its online presence lost) is news: the dashboard hears it, its pending commands and register.info go out', async () => {
    const { agentId, client, agent, presence, heartbeat } = await handAgent();
    const template = await world.prisma.register.findUniqueOrThrow({
      where: { id: world.seed!.registers.ikkm },
    });
    const register = await world.prisma.register.create({
      data: {
        storeId: world.seed!.storeId,
        agentId,
        kind: 'ikkm',
        name: 'Касса у окна',
        config: template.config as object,
      },
    });
    const socket: Socket = io(`${world.cloud.url}/admin`, {
      auth: { token: await world.adminToken() },
      transports: ['websocket'],
    });
    const states: { agentId: string; online: boolean }[] = [];
    socket.on('agent.state', (payload: (typeof states)[number]) => {
      if (payload.agentId === agentId) states.push(payload);
    });
    // register.info commands seen by the agent, by id (a pending one is also sent again as it was).
    const infoAsked = new Map<string, string>();
    const deliveries: { id: string; at: number }[] = [];
    client.on('message', (topic, payload) => {
      if (topic !== topics.commands(agentId)) return;
      const envelope = JSON.parse(payload.toString()) as {
        id: string;
        registerId: string;
        command: { type: string };
      };
      if (envelope.command.type !== 'register.info') return;
      infoAsked.set(envelope.id, envelope.registerId);
      deliveries.push({ id: envelope.id, at: Date.now() });
    });
    await client.subscribeAsync(topics.commands(agentId), { qos: 1 });
    try {
      await waitUntil(() => socket.connected, 10_000, 'admin socket connected');
      const t0 = new Date(Math.floor(Date.now() / 1000) * 1000);
      const at = (sec: number) => new Date(t0.getTime() + sec * 1000);
      const tag = newSecret(4).replace(/[^\w-]/g, 'x');
      await presence('online', t0, '9.9.9', `a-${tag}`);
      await waitUntil(() => infoAsked.size === 1, 10_000, 'register.info asked on coming online');
      await presence('offline', at(1), undefined, `a-${tag}`);
      await waitUntil(() => states.at(-1)?.online === false, 10_000, 'the dashboard told: offline');
      // Link B's online presence never arrives (or was written offline by a late will of A); its heartbeats do.
      await heartbeat(at(5), `b-${tag}`);
      await waitUntil(() => states.at(-1)?.online === true, 10_000, 'the dashboard told: online again');
      expect((await agent()).online).toBe(true);
      await waitUntil(() => infoAsked.size === 2, 10_000, 'register.info asked again');
      expect([...infoAsked.values()]).toEqual([register.id, register.id]);
      // The first, never answered, is pending: it went out again, unchanged — as the agent came back,
      // not by the redelivery sweep (which sends only commands older than 10 s).
      const [first] = infoAsked.keys();
      const sent = () => deliveries.filter((delivery) => delivery.id === first);
      await waitUntil(() => sent().length >= 2, 10_000, 'pending sent again');
      expect(sent()[1]!.at - sent()[0]!.at).toBeLessThan(9_000);
      // The next heartbeats of a live link are not news.
      const told = states.length;
      await heartbeat(at(6), `b-${tag}`);
      await heartbeat(at(7), `b-${tag}`);
      await waitUntil(
        async () => (await agent()).lastSeenAt?.getTime() === at(7).getTime(),
        10_000,
        'the heartbeats written',
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(states.length).toBe(told);
      // No third register.info (the redelivery sweep may send the pending first one once more).
      expect(infoAsked.size).toBe(2);
    } finally {
      socket.close();
      await client.endAsync();
      // Out of the way of the tests that count online agents.
      await world.prisma.register.update({ where: { id: register.id }, data: { agentId: null } });
      await world.prisma.agent.update({
        where: { id: agentId },
        data: { online: false, disabledAt: new Date() },
      });
    }
  });

  it('presence: one PostgreSQL cannot store is dropped alone; the others arriving with it are written', async () => {
    const agents = [await handAgent(), await handAgent(), await handAgent()];
    const [first, poisoned, last] = agents;
    try {
      const now = new Date(Math.floor(Date.now() / 1000) * 1000);
      // The first presence's write waits on a row lock held here, so the next two arrive meanwhile
      // and are written together. PostgreSQL has no year 0 (ISO 8601 and the protocol's schema do): a
      // data exception for the whole statement.
      await world.prisma.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT 1 FROM "Agent" WHERE "id" = ${first!.agentId} FOR UPDATE`;
        await first!.presence('online', now, '1.0.0');
        await new Promise((resolve) => setTimeout(resolve, 300));
        await Promise.all([
          poisoned!.presence('online', '0000-01-01T00:00:00Z', '1.0.0'),
          last!.presence('online', now, '1.0.1'),
        ]);
        await new Promise((resolve) => setTimeout(resolve, 300));
      });
      await waitUntil(
        async () => (await first!.agent()).online && (await last!.agent()).online,
        10_000,
        'both written',
      );
      expect(await first!.agent()).toEqual({ online: true, lastSeenAt: now, version: '1.0.0' });
      expect(await last!.agent()).toEqual({ online: true, lastSeenAt: now, version: '1.0.1' });
      expect(await poisoned!.agent()).toEqual({ online: false, lastSeenAt: null, version: null });
      // Dropped, not retried for ever: its next good presence is written as any other.
      await poisoned!.presence('online', now, '1.0.2');
      await waitUntil(async () => (await poisoned!.agent()).online, 10_000, 'the good presence written');
      expect(await poisoned!.agent()).toEqual({ online: true, lastSeenAt: now, version: '1.0.2' });
    } finally {
      for (const { client } of agents) await client.endAsync();
      // Out of the way of the tests that count online agents.
      await world.prisma.agent.updateMany({
        where: { id: { in: agents.map(({ agentId }) => agentId) } },
        data: { online: false, disabledAt: new Date() },
      });
    }
  });

  it('broker: a username that is no agent id is refused as bad credentials; agents connecting meanwhile are let in', async () => {
    const stranger = () =>
      mqtt
        .connectAsync(world.cloud.mqttUrl, {
          clientId: 'stranger',
          // A NUL would fail the query that looks up every agent connecting in the same turn.
          username: 'agent-\u0000',
          password: 'x',
          reconnectPeriod: 0,
        })
        .then(
          async (client) => {
            await client.endAsync();
            return 'connected';
          },
          (error: Error) => error.message,
        );
    const [refused, good] = await Promise.all([stranger(), handAgent()]);
    try {
      expect(refused).toMatch(/Bad username or password/i);
      expect(good.client.connected).toBe(true);
      expect(await stranger()).toMatch(/Bad username or password/i);
    } finally {
      await good.client.endAsync();
      await world.prisma.agent.update({
        where: { id: good.agentId },
        data: { online: false, disabledAt: new Date() },
      });
    }
  });

  it('refuses /admin socket.io without a token', async () => {
    const socket: Socket = io(`${world.cloud.url}/admin`, { transports: ['websocket'], reconnection: false });
    const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
    socket.close();
    expect(error.message).toBe('unauthorized');
  });

  it('exposes Prometheus metrics with the relayed commands', async () => {
    const text = await (await fetch(`${world.cloud.url}/metrics`)).text();
    expect(text).toMatch(/kassa_cloud_command_results_total\{type="receipt",status="done"\} \d+/);
    expect(text).toMatch(/kassa_cloud_agents_online 1/);
    expect(text).toMatch(/kassa_cloud_command_round_trip_seconds_bucket/);
  });

  it('serves the OpenAPI description', async () => {
    const doc = (await (await fetch(`${world.cloud.url}/api/docs/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/sale', '/api/auth/login']));
  });
});
