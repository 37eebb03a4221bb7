import { saleBody } from '@kassa-relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
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
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: true, broker: true } });
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
