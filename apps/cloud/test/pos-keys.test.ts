import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { saleAnswerSchema, wsAnswerSchema } from '@kassa-relay/protocol';
import { tokenHash } from '../src/security/secret-box';
import { saleBody } from '@kassa-relay/testing';
import { api, viewerToken } from './admin-kit';
import { CloudWorld, waitUntil } from './cloud-world';

describe('POS keys over the admin API: issued once, bound to one register, revoked at once', () => {
  const world = new CloudWorld();
  let admin: string;
  beforeAll(async () => {
    await world.start();
    await world.seedStore();
    await world.startAgent();
    admin = await world.adminToken();
  }, 120_000);
  afterAll(() => world.close());

  const sale = async (key: string, docNumber: string, register?: string) => {
    const response = await fetch(`${world.cloud.url}/sale${register ? `?register=${register}` : ''}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: JSON.stringify(saleBody(docNumber)),
    });
    return saleAnswerSchema.parse(await response.json());
  };
  const wsUrl = (query: string) => `${world.cloud.url.replace('http', 'ws')}/ws?${query}`;
  /** Opens /ws; resolves with the HTTP status of a refused upgrade, or the open socket. */
  const openWs = (query: string) =>
    new Promise<{ ws?: WebSocket; status?: number }>((resolve, reject) => {
      const ws = new WebSocket(wsUrl(query));
      ws.once('open', () => resolve({ ws }));
      ws.once('unexpected-response', (_request, response) => resolve({ status: response.statusCode }));
      ws.once('error', reject);
    });
  const wsFrame = (ws: WebSocket, frame: object) =>
    new Promise<unknown>((resolve) => {
      ws.once('message', (data) => resolve(JSON.parse(data.toString())));
      ws.send(JSON.stringify(frame));
    });

  it('issues a key shown once that drives its register over /sale and /ws', async () => {
    const { cashCore } = world.seed!.registers;
    const created = await api(world, admin, 'POST', '/api/pos-keys', {
      registerId: cashCore,
      name: 'веб-магазин',
    });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    expect(key).toMatch(/^kr_pos_[A-Za-z0-9_-]{32}$/);
    expect(created.body).toMatchObject({
      registerId: cashCore,
      registerName: 'Cash core 1',
      name: 'веб-магазин',
      prefix: key.slice(0, 12),
      revokedAt: null,
    });
    const row = await world.prisma.posKey.findUniqueOrThrow({ where: { id: created.body.id } });
    expect(row.keyHash).toBe(tokenHash(key));
    expect(JSON.stringify(row)).not.toContain(key);

    const answer = await sale(key, 'K-1');
    expect(answer).toMatchObject({ status: 'success', code: 0 });
    const { ws } = await openWs(`token=${key}`);
    const deposit = wsAnswerSchema.parse(
      await wsFrame(ws!, {
        event: 'cash_drawer_handler',
        data: { cashier: 'Иванова А.', amount: 100_000, doc_type: 4 },
      }),
    );
    expect(deposit).toMatchObject({ event: 'oncash_drawer_handler', data: { error: false } });
    ws!.close();

    // The list shows it (never the key itself), and when it was last used.
    const listed = await api(world, admin, 'GET', `/api/pos-keys?registerId=${cashCore}`);
    const view = (listed.body as { id: string; key?: string; lastUsedAt: string | null }[]).find(
      (k) => k.id === created.body.id,
    );
    expect(view).toBeDefined();
    expect(view!.key).toBeUndefined();
    await waitUntil(
      async () =>
        (await world.prisma.posKey.findUniqueOrThrow({ where: { id: row.id } })).lastUsedAt !== null,
      5_000,
      'lastUsedAt recorded',
    );
  });

  it('a key of register A never drives register B', async () => {
    const { ikkm, cashCore } = world.seed!.registers;
    const created = await api(world, admin, 'POST', '/api/pos-keys', { registerId: ikkm, name: 'касса A' });
    const key = created.body.key as string;
    const before = (await world.journal(world.cashCore)).length;
    expect(await sale(key, 'X-1', cashCore)).toMatchObject({ status: 'error', code: 1 });
    expect((await openWs(`token=${key}&register=${cashCore}`)).status).toBe(401);
    expect((await world.journal(world.cashCore)).length).toBe(before);
  });

  it('revoking stops the key at once and closes its open /ws and socket.io connections', async () => {
    const { cashCore } = world.seed!.registers;
    const created = await api(world, admin, 'POST', '/api/pos-keys', {
      registerId: cashCore,
      name: 'временный',
    });
    const key = created.body.key as string;
    // Used once, so the key is in the cloud's cache: revocation must reach past it.
    expect(await sale(key, 'R-1')).toMatchObject({ status: 'success', code: 0 });
    const { ws } = await openWs(`token=${key}`);
    const wsClosed = new Promise<number>((resolve) => ws!.once('close', (code) => resolve(code)));
    const socket = io(`${world.cloud.url}/pos`, {
      auth: { token: key },
      transports: ['websocket'],
      reconnection: false,
    });
    const ioClosed = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
    await waitUntil(() => socket.connected, 10_000, 'socket.io /pos connected');

    const viewer = await viewerToken(world);
    expect((await api(world, viewer, 'POST', `/api/pos-keys/${created.body.id}/revoke`)).status).toBe(403);
    const revoked = await api(world, admin, 'POST', `/api/pos-keys/${created.body.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    expect(await wsClosed).toBe(4001);
    expect(await ioClosed).toBe('io server disconnect');
    expect(await sale(key, 'R-2')).toMatchObject({ status: 'error', code: 1 });
    expect((await openWs(`token=${key}`)).status).toBe(401);
    const audit = await world.prisma.auditLog.findMany({ where: { target: created.body.id } });
    expect(audit.map((a) => a.action).sort()).toEqual(['posKey.create', 'posKey.revoke']);
  });

  it('viewers read but do not issue; another organisation’s register is not found', async () => {
    const viewer = await viewerToken(world);
    const { ikkm } = world.seed!.registers;
    expect((await api(world, viewer, 'GET', '/api/pos-keys')).status).toBe(200);
    expect((await api(world, viewer, 'POST', '/api/pos-keys', { registerId: ikkm, name: 'x' })).status).toBe(
      403,
    );
    expect((await api(world, admin, 'POST', '/api/pos-keys', { registerId: ikkm })).status).toBe(400);
    const other = await world.prisma.organisation.create({ data: { name: 'Чужая организация' } });
    const store = await world.prisma.store.create({
      data: { organisationId: other.id, name: 'Чужой магазин' },
    });
    const register = await world.prisma.register.create({
      data: {
        storeId: store.id,
        kind: 'ikkm',
        name: 'Чужая касса',
        config: { url: 'http://127.0.0.1:1', secret: 'x', taxTable: [] },
      },
    });
    const foreignKey = await world.prisma.posKey.create({
      data: {
        registerId: register.id,
        name: 'чужой',
        keyHash: tokenHash('kr_pos_foreign'),
        prefix: 'kr_pos_forei',
      },
    });
    expect(
      (await api(world, admin, 'POST', '/api/pos-keys', { registerId: register.id, name: 'x' })).status,
    ).toBe(404);
    expect((await api(world, admin, 'POST', `/api/pos-keys/${foreignKey.id}/revoke`)).status).toBe(404);
    const listed = await api(world, admin, 'GET', '/api/pos-keys');
    expect((listed.body as { id: string }[]).some((k) => k.id === foreignKey.id)).toBe(false);
  });
});
