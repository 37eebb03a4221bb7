import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { saleBody } from '@kassa-relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saleAnswerSchema } from '@kassa-relay/protocol';
import { type StoredRegisterConfig } from '../src/registers/register-config';
import { tokenHash } from '../src/security/secret-box';
import { newSecret } from '../src/security/secret-hash';
import { AdminClient } from './admin-client';
import { ADMIN, CloudWorld, waitUntil } from './cloud-world';

interface RegisterView {
  id: string;
  storeId: string;
  storeName: string;
  agentId: string | null;
  agentOnline: boolean;
  kind: 'ikkm' | 'cash-core';
  name: string;
  currency: string;
  state: { reachable: boolean | null; shiftOpen: boolean | null; warnings: string[] };
  today: { salesSum: number; salesCount: number; returnsSum: number; returnsCount: number };
  lastDocument: { id: string; kind: string; status: string; total: number | null } | null;
  device?: Record<string, unknown>;
  taxTable?: unknown[];
}
interface CommandAnswer {
  documentId: string;
  status: 'done' | 'failed' | 'pending';
  result?: { type: string; shiftNumber?: number; counters?: Record<string, number>; fiscalId?: string };
  error?: { code: string; message: string };
}
interface DocumentView {
  id: string;
  registerId: string;
  registerName: string;
  storeName: string;
  kind: string;
  operation: string | null;
  status: string;
  total: number | null;
  fiscalId: string | null;
  originChannel: string;
  originActor: string | null;
}
interface Shift {
  registerId: string;
  number: number;
  closedAt: string | null;
  sumInsert: number;
  sumRemove: number;
  zReport: Record<string, number> | null;
}

/**
 * The office's path for registers, end to end: a store and two registers created over the API, the
 * store agent enrolled with a token and started as a real process, then X/Z reports and cash
 * in/out from the office on both register kinds (iKKM and cash-core simulators), with the
 * documents, shifts, receipt images and device operators read back through the API.
 */
describe('admin API: stores, registers and office commands', () => {
  const world = new CloudWorld();
  let api: AdminClient;
  let storeId = '';
  const registers = { ikkm: '', cashCore: '' };

  beforeAll(async () => {
    await world.start();
    api = new AdminClient(world.cloud.url, await world.adminToken());
  }, 120_000);
  afterAll(() => world.close());

  it('creates a store and one register of each kind; no secret comes back', async () => {
    const store = await api.post<{ id: string; timezone: string; registerCount: number }>('/api/stores', {
      name: 'Магазин на Достык',
      address: 'Алматы, пр. Достык 1',
      timezone: 'Asia/Almaty',
    });
    expect(store.status).toBe(201);
    expect(store.body).toMatchObject({ timezone: 'Asia/Almaty', registerCount: 0 });
    storeId = store.body.id;

    const ikkm = await api.post<RegisterView>('/api/registers', {
      storeId,
      name: 'Касса 1 (iKKM)',
      device: { kind: 'ikkm', url: world.ikkm.url, initialKey: '11112222', minRequestIntervalMs: 0 },
      taxTable: [{ percent: 12, name: 'НДС 12%' }],
    });
    expect(ikkm.status).toBe(201);
    expect(ikkm.body).toMatchObject({ kind: 'ikkm', storeName: 'Магазин на Достык', agentId: null });
    const cashCore = await api.post<RegisterView>('/api/registers', {
      storeId,
      name: 'Касса 2 (cash core)',
      device: { kind: 'cash-core', url: world.cashCore.url, accessCode: '0000', kkmOfdId: 6923 },
      taxTable: [{ percent: 12 }],
    });
    expect(cashCore.status).toBe(201);
    registers.ikkm = ikkm.body.id;
    registers.cashCore = cashCore.body.id;

    const detail = await api.get<RegisterView>(`/api/registers/${registers.cashCore}`);
    expect(detail.body.device).toEqual({ kind: 'cash-core', url: world.cashCore.url, kkmOfdId: 6923 });
    expect(detail.body.taxTable).toEqual([{ percent: 12 }]);
    expect(JSON.stringify(detail.body)).not.toContain('accessCode');
    // Sealed in the database, never in clear.
    const row = await world.prisma.register.findUniqueOrThrow({ where: { id: registers.cashCore } });
    const stored = row.config as unknown as StoredRegisterConfig;
    expect(stored.secret).toMatch(/^v1\./);
    expect(JSON.stringify(row.config)).not.toContain('"0000"');

    const stores = await api.get<{ id: string; registerCount: number }[]>('/api/stores');
    expect(stores.body.find((s) => s.id === storeId)?.registerCount).toBe(2);
  });

  it('an office command to a register without an agent answers 409 AGENT_OFFLINE and records nothing', async () => {
    const before = await world.prisma.fiscalDocument.count();
    const answer = await api.post<{ error: { code: string } }>(`/api/registers/${registers.ikkm}/commands`, {
      type: 'report.x',
    });
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('AGENT_OFFLINE');
    expect(await world.prisma.fiscalDocument.count()).toBe(before);
  });

  it('enrolls the store agent and sees both registers online', async () => {
    const token = await api.post<{ token: string }>('/api/enrollment-tokens', { storeId });
    expect(token.status).toBe(201);
    const enrolled = await fetch(`${world.cloud.url}/api/agents/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: token.body.token, name: 'ПК кассы' }),
    });
    expect(enrolled.status).toBe(200);
    const enrollment = (await enrolled.json()) as {
      agentId: string;
      mqtt: { url: string; username: string; password: string };
      configKey: string;
      registers: unknown[];
    };
    expect(enrollment.registers).toHaveLength(2);
    expect(Buffer.from(enrollment.configKey, 'base64')).toHaveLength(32);
    const configPath = join(world.dir.path, 'enrolled-agent.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        agentId: enrollment.agentId,
        mqtt: { ...enrollment.mqtt, reconnectMinMs: 100, reconnectMaxMs: 500 },
        configKey: enrollment.configKey,
        dataDir: join(world.dir.path, 'enrolled-agent'),
        http: { port: 0 },
        heartbeatIntervalSec: 1,
        registers: enrollment.registers,
      }),
    );
    await world.startAgent(configPath, enrollment.agentId);

    await waitUntil(
      async () => (await api.get<RegisterView[]>(`/api/registers?state=online`)).body.length === 2,
      20_000,
      'both registers online',
    );
    const list = await api.get<RegisterView[]>(`/api/registers?storeId=${storeId}`);
    expect(list.body.map((r) => r.agentId)).toEqual([enrollment.agentId, enrollment.agentId]);
    expect((await api.get<RegisterView[]>('/api/registers?state=offline')).body).toEqual([]);
    // Heartbeats reach the register's live state.
    await waitUntil(
      async () =>
        (await api.get<RegisterView>(`/api/registers/${registers.cashCore}`)).body.state.reachable === true,
      20_000,
      'cash core reachable',
    );
  });

  for (const kind of ['ikkm', 'cashCore'] as const) {
    it(`runs cash in/out, an X report and a Z report from the office on ${kind}`, async () => {
      const registerId = registers[kind];
      const run = (body: object) => api.post<CommandAnswer>(`/api/registers/${registerId}/commands`, body);

      const cashIn = await run({ type: 'cash.in', amount: 50_000, cashier: 'Старший кассир' });
      expect(cashIn.status).toBe(200);
      expect(cashIn.body.status, JSON.stringify(cashIn.body)).toBe('done');
      const cashOut = await run({ type: 'cash.out', amount: 10_000 });
      expect(cashOut.body.status, JSON.stringify(cashOut.body)).toBe('done');

      const x = await run({ type: 'report.x' });
      expect(x.body.status, JSON.stringify(x.body)).toBe('done');
      expect(x.body.result?.type).toBe('report.x');

      const z = await run({ type: 'shift.close' });
      expect(z.body.status, JSON.stringify(z.body)).toBe('done');
      expect(z.body.result?.counters?.sumInsert).toBe(50_000);
      expect(z.body.result?.counters?.sumRemove).toBe(10_000);
      const shiftNumber = z.body.result?.shiftNumber;
      expect(shiftNumber).toBeGreaterThan(0);

      // Each command is a document of the ledger, done, from the office.
      const documents = await api.get<{ items: DocumentView[] }>(`/api/documents?registerId=${registerId}`);
      const byId = new Map(documents.body.items.map((d) => [d.id, d]));
      for (const [answer, type, total] of [
        [cashIn, 'cash.in', 50_000],
        [cashOut, 'cash.out', 10_000],
        [x, 'report.x', null],
        [z, 'shift.close', null],
      ] as const) {
        const document = byId.get(answer.body.documentId);
        expect(document, type).toMatchObject({
          kind: type,
          status: 'done',
          originChannel: 'admin',
          originActor: ADMIN.email,
          registerId,
        });
        if (total !== null) expect(document?.total).toBe(total);
      }

      // The closed shift with its Z report.
      let closed: Shift | undefined;
      await waitUntil(
        async () => {
          const shifts = await api.get<Shift[]>(`/api/registers/${registerId}/shifts`);
          closed = shifts.body.find((s) => s.number === shiftNumber && s.closedAt !== null);
          return closed !== undefined;
        },
        5_000,
        'the closed shift',
      );
      expect(closed).toMatchObject({ sumInsert: 50_000, sumRemove: 10_000 });
      expect(closed?.zReport?.sumInsert).toBe(50_000);
      const all = await api.get<Shift[]>(`/api/shifts?registerId=${registerId}`);
      expect(all.body.some((s) => s.number === shiftNumber && s.closedAt)).toBe(true);

      const lastDocument = (await api.get<RegisterView>(`/api/registers/${registerId}`)).body.lastDocument;
      expect(lastDocument).toMatchObject({ id: z.body.documentId, kind: 'shift.close', status: 'done' });
    });
  }

  it('a command the register refuses answers failed with the canonical error', async () => {
    // The shift was just closed: taking cash out of a closed, empty drawer is refused by the device.
    const refused = await api.post<CommandAnswer>(`/api/registers/${registers.cashCore}/commands`, {
      type: 'cash.out',
      amount: 999_999_999,
    });
    expect(refused.status).toBe(200);
    expect(refused.body.status).toBe('failed');
    expect(refused.body.error?.code).toBeTruthy();
    const document = await api.get<DocumentView>(`/api/documents/${refused.body.documentId}`);
    expect(document.body.status).toBe('failed');
  });

  it("shows a cash-core sale as today's sales and its receipt image as PNG; iKKM has none", async () => {
    const key = `kr_pos_${newSecret()}`;
    await world.prisma.posKey.create({
      data: {
        registerId: registers.cashCore,
        name: 'shop',
        keyHash: tokenHash(key),
        prefix: key.slice(0, 10),
      },
    });
    const sale = await fetch(`${world.cloud.url}/sale`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: JSON.stringify(saleBody('IMG-1', 35_000, { docTime: '2026-11-23 12:00:00' })),
    });
    const answer = saleAnswerSchema.parse(await sale.json());
    expect(answer.code).toBe(0);

    const receipts = await api.get<{ items: DocumentView[] }>(
      `/api/documents?registerId=${registers.cashCore}&kind=receipt&status=done`,
    );
    expect(receipts.body.items).toHaveLength(1);
    const receipt = receipts.body.items[0]!;
    expect(receipt).toMatchObject({ operation: 'sale', total: 35_000, fiscalId: answer.fiscalID });

    const view = (await api.get<RegisterView>(`/api/registers/${registers.cashCore}`)).body;
    expect(view.today).toEqual({ salesSum: 35_000, salesCount: 1, returnsSum: 0, returnsCount: 0 });
    expect(view.lastDocument).toMatchObject({ id: receipt.id, kind: 'receipt', total: 35_000 });

    const image = await api.get<Buffer>(`/api/documents/${receipt.id}/image`);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(image.body.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));

    const ikkmDocument = (
      await api.get<{ items: DocumentView[] }>(`/api/documents?registerId=${registers.ikkm}&limit=1`)
    ).body.items[0]!;
    const none = await api.get<{ message: string }>(`/api/documents/${ikkmDocument.id}/image`);
    expect(none.status).toBe(404);
    expect(none.body.message).toMatch(/iKKM/);
  });

  it("lists the device's own operators and answers register.info", async () => {
    const operators = await api.get<{ code: number | null; name: string; role: string }[]>(
      `/api/registers/${registers.cashCore}/device-operators`,
    );
    expect(operators.status).toBe(200);
    expect(operators.body.length).toBeGreaterThan(0);
    expect(operators.body[0]).toEqual({
      code: expect.any(Number),
      name: expect.any(String),
      role: expect.stringMatching(/^(administrator|seniorCashier|cashier)$/),
    });
    const info = await api.post<CommandAnswer & { result: { identity?: { serialNumber: string } } }>(
      `/api/registers/${registers.ikkm}/commands`,
      { type: 'register.info' },
    );
    expect(info.body.status).toBe('done');
    expect(info.body.result.identity?.serialNumber).toBeTruthy();
  });

  it('changes a register: a new device URL keeps the stored secret, a kind change is refused', async () => {
    const before = (await world.prisma.register.findUniqueOrThrow({ where: { id: registers.cashCore } }))
      .config as unknown as StoredRegisterConfig;
    const changed = await api.patch<RegisterView>(`/api/registers/${registers.cashCore}`, {
      name: 'Касса 2',
      device: { kind: 'cash-core', url: world.cashCore.url, kkmOfdId: 6923 },
      taxTable: [
        { percent: 12, name: 'НДС' },
        { percent: 0, name: 'Без НДС' },
      ],
    });
    expect(changed.status).toBe(200);
    expect(changed.body.name).toBe('Касса 2');
    const after = (await world.prisma.register.findUniqueOrThrow({ where: { id: registers.cashCore } }))
      .config as unknown as StoredRegisterConfig;
    expect(after.secret).toBe(before.secret);
    expect(after.taxTable).toHaveLength(2);

    const kindChange = await api.patch<{ message: string }>(`/api/registers/${registers.cashCore}`, {
      device: { kind: 'ikkm', url: world.ikkm.url, initialKey: '1' },
    });
    expect(kindChange.status).toBe(400);
    expect(kindChange.body.message).toMatch(/kind/);

    const audit = await api.get<{ items: { action: string; target: string }[] }>('/api/audit?limit=20');
    expect(
      audit.body.items.some((e) => e.action === 'register.update' && e.target === registers.cashCore),
    ).toBe(true);
    expect(audit.body.items.some((e) => e.action === 'register.command')).toBe(true);
  });

  it('answers 409 AGENT_OFFLINE once the store agent is gone, without recording a document', async () => {
    await world.stopAgent();
    await waitUntil(
      async () => (await api.get<RegisterView[]>('/api/registers?state=offline')).body.length === 2,
      20_000,
      'registers offline',
    );
    const before = await world.prisma.fiscalDocument.count();
    const answer = await api.post<{ error: { code: string }; message: string }>(
      `/api/registers/${registers.cashCore}/commands`,
      { type: 'shift.close' },
    );
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('AGENT_OFFLINE');
    expect(answer.body.message).toMatch(/offline/);
    const image = await api.get(`/api/registers/${registers.cashCore}/device-operators`);
    expect(image.status).toBe(409);
    expect(await world.prisma.fiscalDocument.count()).toBe(before);
  });
});
