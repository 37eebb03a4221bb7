import { randomUUID } from 'node:crypto';
import { apiRoutes, type RouteContract, successStatus, wireJsonSchema } from '@kassa-relay/admin-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../src/security/secret-hash';
import { AdminClient } from './admin-client';
import { ADMIN, CloudWorld } from './cloud-world';

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
interface DocumentView {
  id: string;
  registerId: string;
  kind: string;
  status: string;
  total: number | null;
  fiscalId: string | null;
  requestedAt: string;
}
interface Bucket {
  start: string;
  salesSum: number;
  salesCount: number;
  returnsSum: number;
  returnsCount: number;
}

const VIEWER = { email: 'viewer@example.kz', password: 'look-but-do-not-touch' };
const OTHER = { email: 'other@example.ru', password: 'another-organisation' };

/**
 * The admin API without a store agent: roles, validation, organisation scoping, users, stores,
 * the document list (filters, keyset pages over thousands of rows), the sales report and the audit
 * log, against the real cloud process and PostgreSQL.
 */
describe('admin API: access, validation, documents, reports, audit', () => {
  const world = new CloudWorld();
  let admin: AdminClient;
  let viewer: AdminClient;
  let other: AdminClient;
  let storeId = '';
  const registers = { paged: '', second: '', report: '' };

  const device = () => ({
    kind: 'cash-core',
    url: 'http://127.0.0.1:9/',
    accessCode: '0000',
    kkmOfdId: 6923,
  });

  beforeAll(async () => {
    await world.start();
    admin = new AdminClient(world.cloud.url, await world.adminToken());
  }, 120_000);
  afterAll(() => world.close());

  it('adds users (a viewer among them) and refuses a taken e-mail with 409', async () => {
    const created = await admin.post<{ id: string; email: string; role: string; createdAt: string }>(
      '/api/users',
      { email: VIEWER.email, password: VIEWER.password, role: 'viewer' },
    );
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      email: VIEWER.email,
      role: 'viewer',
      createdAt: expect.any(String),
      disabled: false,
      disabledAt: null,
      passwordChangedAt: null,
    });
    const taken = await admin.post<{ message: string }>('/api/users', {
      email: VIEWER.email.toUpperCase(),
      password: 'something-long',
      role: 'admin',
    });
    expect(taken.status).toBe(409);
    expect(taken.body.message).toMatch(/taken/);
    const users = await admin.get<{ email: string }[]>('/api/users');
    expect(users.body.map((u) => u.email)).toEqual([ADMIN.email, VIEWER.email]);
    // No password hash (or anything like one) leaves the cloud; only when it was last changed.
    expect(JSON.stringify(users.body)).not.toMatch(/passwordHash|scrypt\$|"password"/i);
    viewer = new AdminClient(world.cloud.url, await world.adminToken(VIEWER.email, VIEWER.password));
  });

  it('creates and changes stores and registers over the API', async () => {
    const store = await admin.post<{ id: string; timezone: string }>('/api/stores', { name: 'Склад' });
    expect(store.status).toBe(201);
    expect(store.body.timezone).toBe('Asia/Almaty');
    storeId = store.body.id;
    const patched = await admin.patch<{ name: string; address: string | null; timezone: string }>(
      `/api/stores/${storeId}`,
      { name: 'Склад №1', address: 'Москва', timezone: 'Europe/Moscow' },
    );
    expect(patched.body).toMatchObject({ name: 'Склад №1', address: 'Москва', timezone: 'Europe/Moscow' });
    for (const name of ['paged', 'second', 'report'] as const) {
      const register = await admin.post<{ id: string; kind: string; currency: string }>('/api/registers', {
        storeId,
        name: `Касса ${name}`,
        currency: 'RUB',
        device: device(),
      });
      expect(register.status).toBe(201);
      expect(register.body).toMatchObject({ kind: 'cash-core', currency: 'RUB' });
      registers[name] = register.body.id;
    }
    const listed = await admin.get<{ id: string; agentOnline: boolean; today: object; lastDocument: null }[]>(
      `/api/registers?storeId=${storeId}`,
    );
    expect(listed.body).toHaveLength(3);
    expect(listed.body[0]).toMatchObject({
      agentOnline: false,
      today: { salesSum: 0, salesCount: 0, returnsSum: 0, returnsCount: 0 },
      lastDocument: null,
    });
  });

  it('lets a viewer read everything and change nothing (403), with nothing changed', async () => {
    const reads = [
      '/api/auth/me',
      '/api/users',
      '/api/stores',
      '/api/registers',
      `/api/registers/${registers.paged}`,
      `/api/registers/${registers.paged}/shifts`,
      '/api/documents',
      '/api/shifts',
      '/api/reports/sales?period=day&date=2026-11-23',
      '/api/audit',
    ];
    for (const path of reads) expect((await viewer.get(path)).status, path).toBe(200);
    // A read that needs the register answers for the register (no agent yet), not 403.
    expect((await viewer.get(`/api/registers/${registers.paged}/device-operators`)).status).toBe(409);

    const auditBefore = await world.prisma.auditLog.count();
    const changes: [string, string, object][] = [
      ['POST', '/api/users', { email: 'x@example.kz', password: '12345678', role: 'admin' }],
      ['POST', '/api/stores', { name: 'Чужой' }],
      ['PATCH', `/api/stores/${storeId}`, { name: 'Переименован' }],
      ['POST', '/api/registers', { storeId, name: 'Ещё', device: device() }],
      ['PATCH', `/api/registers/${registers.paged}`, { name: 'Переименована' }],
      ['POST', `/api/registers/${registers.paged}/commands`, { type: 'shift.close' }],
    ];
    for (const [method, path, body] of changes) {
      const answer = await viewer.call<{ message: string }>(method, path, body);
      expect(answer.status, `${method} ${path}`).toBe(403);
      expect(answer.body.message).toMatch(/viewer/);
    }
    expect(await world.prisma.store.count()).toBe(1);
    expect(await world.prisma.register.count()).toBe(3);
    expect(await world.prisma.adminUser.count()).toBe(2);
    expect((await world.prisma.store.findFirstOrThrow()).name).toBe('Склад №1');
    expect(await world.prisma.fiscalDocument.count()).toBe(0);
    expect(await world.prisma.auditLog.count()).toBe(auditBefore);
  });

  it('answers bad input with 400 naming the field, and changes nothing', async () => {
    const counts = async () => ({
      stores: await world.prisma.store.count(),
      registers: await world.prisma.register.count(),
      users: await world.prisma.adminUser.count(),
      documents: await world.prisma.fiscalDocument.count(),
      audit: await world.prisma.auditLog.count(),
      store: await world.prisma.store.findFirstOrThrow(),
      register: await world.prisma.register.findUniqueOrThrow({ where: { id: registers.paged } }),
    });
    const before = await counts();
    const bad: [string, string, unknown, RegExp][] = [
      ['POST', '/api/stores', {}, /name/],
      ['POST', '/api/stores', { name: 'X', timezone: 'Mars/Olympus' }, /timezone: not an IANA time zone/],
      ['PATCH', `/api/stores/${storeId}`, {}, /nothing to change/],
      ['PATCH', `/api/stores/${storeId}`, { name: '' }, /name/],
      ['POST', '/api/registers', { storeId, name: 'X' }, /device/],
      [
        'POST',
        '/api/registers',
        { storeId, name: 'X', device: { kind: 'ikkm', url: 'ftp://device', initialKey: 'abc' } },
        /device\.url: device url must be http.*device\.initialKey: the iKKM web-api key is a number/,
      ],
      ['POST', '/api/registers', { storeId, name: 'X', device: { kind: 'fax' } }, /device\.kind/],
      [
        'PATCH',
        `/api/registers/${registers.paged}`,
        { taxTable: [{ percent: 150 }] },
        /taxTable\.0\.percent/,
      ],
      ['PATCH', `/api/registers/${registers.paged}`, { currency: 'USD' }, /currency/],
      // Found by the fuzzer: an empty change or a JSON null once read as "set the tax table to []".
      ['PATCH', `/api/registers/${registers.paged}`, {}, /nothing to change/],
      ['PATCH', `/api/registers/${registers.paged}`, 'null', /body: .*object/],
      ['POST', `/api/registers/${registers.paged}/commands`, { type: 'cash.in' }, /amount/],
      ['POST', `/api/registers/${registers.paged}/commands`, { type: 'cash.in', amount: 10.5 }, /amount/],
      ['POST', `/api/registers/${registers.paged}/commands`, { type: 'format.disk' }, /type/],
      [
        'POST',
        '/api/users',
        { email: 'not-an-email', password: 'short', role: 'root' },
        /email.*password.*role/,
      ],
      ['POST', '/api/stores', '{"name":', /JSON/],
    ];
    for (const [method, path, body, message] of bad) {
      const answer = await admin.call<{ statusCode: number; message: string; error: string }>(
        method,
        path,
        body,
      );
      expect(answer.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(answer.body.message, `${method} ${path}`).toMatch(message);
      expect(answer.body.error).toBe('Bad Request');
    }
    const badQueries: [string, RegExp][] = [
      ['/api/documents?limit=500', /limit/],
      ['/api/documents?cursor=garbage', /cursor/],
      ['/api/documents?from=yesterday', /from/],
      ['/api/documents?status=lost', /status/],
      ['/api/registers?state=sleeping', /state/],
      ['/api/reports/sales?period=day&date=2026-11', /date: a day is YYYY-MM-DD/],
      ['/api/reports/sales?period=month&date=2026-13', /date: a month is YYYY-MM/],
      ['/api/reports/sales?period=day&date=2026-11-23&tz=Nowhere/City', /tz/],
      ['/api/reports/sales?period=week&date=2026-11-23', /period/],
      ['/api/audit?limit=0', /limit/],
    ];
    for (const [path, message] of badQueries) {
      const answer = await admin.get<{ message: string }>(path);
      expect(answer.status, path).toBe(400);
      expect(answer.body.message, path).toMatch(message);
    }
    expect(await counts()).toEqual(before);
  });

  it("answers 404 for another organisation's stores, registers and documents", async () => {
    const organisation = await world.prisma.organisation.create({ data: { name: 'ООО Другая' } });
    await world.prisma.adminUser.create({
      data: {
        organisationId: organisation.id,
        email: OTHER.email,
        passwordHash: await hashSecret(OTHER.password),
        role: 'admin',
      },
    });
    other = new AdminClient(world.cloud.url, await world.adminToken(OTHER.email, OTHER.password));
    const document = await world.prisma.fiscalDocument.create({
      data: {
        registerId: registers.second,
        idempotencyKey: 'foreign-1',
        commandId: 'foreign-1',
        kind: 'report.x',
        originChannel: 'admin',
      },
    });
    expect((await other.get<unknown[]>('/api/stores')).body).toEqual([]);
    expect((await other.get<unknown[]>('/api/registers')).body).toEqual([]);
    expect((await other.get<unknown[]>('/api/users')).body).toHaveLength(1);
    expect((await other.get<Page<unknown>>('/api/documents')).body.items).toEqual([]);
    expect(
      (await other.get<Page<unknown>>(`/api/documents?registerId=${registers.second}`)).body.items,
    ).toEqual([]);
    const notFound: [string, string, object?][] = [
      ['GET', `/api/registers/${registers.second}`],
      ['GET', `/api/registers/${registers.second}/shifts`],
      ['GET', `/api/registers/${registers.second}/device-operators`],
      ['GET', `/api/documents/${document.id}`],
      ['GET', `/api/documents/${document.id}/image`],
      ['PATCH', `/api/stores/${storeId}`, { name: 'Захват' }],
      ['PATCH', `/api/registers/${registers.second}`, { name: 'Захват' }],
      ['POST', `/api/registers/${registers.second}/commands`, { type: 'report.x' }],
      ['POST', '/api/registers', { storeId, name: 'Подкидыш', device: device() }],
    ];
    for (const [method, path, body] of notFound)
      expect((await other.call(method, path, body)).status, `${method} ${path}`).toBe(404);
    expect((await world.prisma.store.findFirstOrThrow({ where: { id: storeId } })).name).toBe('Склад №1');
    expect(await world.prisma.register.count()).toBe(3);
    await world.prisma.fiscalDocument.delete({ where: { id: document.id } });
  });

  it('pages 2,000 documents newest first, each exactly once, with and without filters', async () => {
    const base = Date.parse('2026-11-20T12:00:00.000Z');
    const statuses = ['done', 'done', 'failed', 'pending', 'inDoubt'] as const;
    const rows = Array.from({ length: 2_000 }, (_, i) => {
      const status = statuses[i % statuses.length]!;
      return {
        id: randomUUID(),
        registerId: i % 3 === 0 ? registers.second : registers.paged,
        idempotencyKey: `page-${i}`,
        commandId: `page-${i}`,
        kind: i % 4 === 0 ? 'cash.in' : 'receipt',
        ...(i % 4 === 0 ? {} : { operation: i % 8 === 1 ? 'saleReturn' : 'sale' }),
        status,
        total: 1_000 + i * 10,
        ...(status === 'done' ? { fiscalId: `F${i}`, completedAt: new Date(base - i * 1000) } : {}),
        originChannel: 'sale',
        // Seven documents share each instant: the id decides their order.
        requestedAt: new Date(base - Math.floor(i / 7) * 60_000),
      };
    });
    await world.prisma.fiscalDocument.createMany({ data: rows });

    const pageAll = async (query: string, limit: number): Promise<DocumentView[]> => {
      const seen: DocumentView[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 1_000; pages++) {
        const page: { status: number; body: Page<DocumentView> } = await admin.get<Page<DocumentView>>(
          `/api/documents?limit=${limit}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(page.status).toBe(200);
        expect(page.body.items.length).toBeLessThanOrEqual(limit);
        seen.push(...page.body.items);
        cursor = page.body.nextCursor;
        if (!cursor) return seen;
      }
      throw new Error('paging did not end');
    };
    const newestFirst = (a: { requestedAt: string; id: string }, b: { requestedAt: string; id: string }) =>
      b.requestedAt.localeCompare(a.requestedAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

    const all = await pageAll('', 200);
    expect(all).toHaveLength(2_000);
    expect(new Set(all.map((d) => d.id)).size).toBe(2_000);
    expect(all.map((d) => d.id)).toEqual(
      rows
        .map((r) => ({ id: r.id, requestedAt: r.requestedAt.toISOString() }))
        .sort(newestFirst)
        .map((r) => r.id),
    );
    // The default page is 50.
    expect((await admin.get<Page<DocumentView>>('/api/documents')).body.items).toHaveLength(50);

    const expectFiltered = async (
      query: string,
      limit: number,
      keep: (row: (typeof rows)[number]) => boolean,
    ) => {
      const paged = await pageAll(query, limit);
      const expected = rows.filter(keep);
      expect(expected.length, query).toBeGreaterThan(0);
      expect(paged.map((d) => d.id).sort(), query).toEqual(expected.map((r) => r.id).sort());
      expect([...paged].sort(newestFirst), query).toEqual(paged);
    };
    await expectFiltered(
      `&registerId=${registers.paged}&status=done`,
      37,
      (r) => r.registerId === registers.paged && r.status === 'done',
    );
    await expectFiltered(`&storeId=${storeId}&kind=cash.in`, 113, (r) => r.kind === 'cash.in');
    await expectFiltered(
      '&operation=saleReturn&status=failed,inDoubt',
      29,
      (r) => r.operation === 'saleReturn' && (r.status === 'failed' || r.status === 'inDoubt'),
    );
    // `unknown`, the status's name before `inDoubt`, still filters the same documents.
    await expectFiltered('&status=unknown', 200, (r) => r.status === 'inDoubt');
    await expectFiltered('&amountMin=5000&amountMax=9000', 200, (r) => r.total >= 5_000 && r.total <= 9_000);
    const from = new Date(base - 100 * 60_000);
    const to = new Date(base - 50 * 60_000);
    await expectFiltered(
      `&from=${from.toISOString()}&to=${to.toISOString()}`,
      64,
      (r) => r.requestedAt >= from && r.requestedAt < to,
    );
    await expectFiltered('&fiscalId=F10', 50, (r) => r.fiscalId === 'F10');
    const one = (await admin.get<DocumentView & { items: unknown }>(`/api/documents/${rows[10]!.id}`)).body;
    expect(one).toMatchObject({ id: rows[10]!.id, fiscalId: 'F10', total: 1_100, storeName: 'Склад №1' });
    expect(one).toHaveProperty('deviceAnswer');

    // The list is read through the (requestedAt, id) indexes, not by sorting the whole table.
    await world.prisma.$executeRawUnsafe('ANALYZE "FiscalDocument"');
    const plan = await world.prisma.$queryRawUnsafe<{ 'QUERY PLAN': string }[]>(
      `EXPLAIN SELECT id FROM "FiscalDocument" WHERE "registerId" IN ($1, $2, $3)
         ORDER BY "requestedAt" DESC, id DESC LIMIT 51`,
      registers.paged,
      registers.second,
      registers.report,
    );
    expect(plan.map((line) => line['QUERY PLAN']).join('\n')).toMatch(/FiscalDocument_requestedAt_id_idx/);
  });

  it('sums done sales and returns into 24 local hours of a day and the days of a month', async () => {
    const document = (i: number, completedAt: string, fields: object) => ({
      registerId: registers.report,
      idempotencyKey: `report-${i}`,
      commandId: `report-${i}`,
      kind: 'receipt',
      status: 'done' as const,
      originChannel: 'sale',
      requestedAt: new Date(completedAt),
      completedAt: new Date(completedAt),
      ...fields,
    });
    await world.prisma.fiscalDocument.createMany({
      data: [
        // Moscow is UTC+3: 07:30Z is 10:30 local.
        document(1, '2026-11-23T07:30:00.000Z', { operation: 'sale', total: 35_000 }),
        document(2, '2026-11-23T07:59:59.999Z', { operation: 'sale', total: 10_000 }),
        document(3, '2026-11-23T08:00:00.000Z', { operation: 'saleReturn', total: 5_000 }),
        // Local midnight of the 23rd, and one millisecond before it (the 22nd).
        document(4, '2026-11-22T21:00:00.000Z', { operation: 'sale', total: 1_000 }),
        document(5, '2026-11-22T20:59:59.999Z', { operation: 'sale', total: 2_000 }),
        // Not sales: refused, still running, a cash placement.
        document(6, '2026-11-23T07:10:00.000Z', { operation: 'sale', total: 9_999, status: 'failed' }),
        document(7, '2026-11-23T07:20:00.000Z', { operation: 'sale', total: 9_999, status: 'pending' }),
        document(8, '2026-11-23T07:25:00.000Z', { kind: 'cash.in', total: 9_999 }),
        // Next month.
        document(9, '2026-11-30T21:00:00.000Z', { operation: 'sale', total: 4_000 }),
      ],
    });
    const day = await admin.get<{ period: string; buckets: Bucket[] }>(
      `/api/reports/sales?period=day&date=2026-11-23&registerId=${registers.report}&tz=Europe/Moscow`,
    );
    expect(day.status).toBe(200);
    expect(day.body.period).toBe('day');
    expect(day.body.buckets).toHaveLength(24);
    expect(day.body.buckets[0]).toEqual({
      start: '2026-11-22T21:00:00.000Z',
      salesSum: 1_000,
      salesCount: 1,
      returnsSum: 0,
      returnsCount: 0,
    });
    expect(day.body.buckets[10]).toEqual({
      start: '2026-11-23T07:00:00.000Z',
      salesSum: 45_000,
      salesCount: 2,
      returnsSum: 0,
      returnsCount: 0,
    });
    expect(day.body.buckets[11]).toMatchObject({ salesSum: 0, returnsSum: 5_000, returnsCount: 1 });
    expect(day.body.buckets[23]!.start).toBe('2026-11-23T20:00:00.000Z');
    const busy = day.body.buckets.filter((b) => b.salesCount || b.returnsCount).map((b) => b.start);
    expect(busy).toEqual([
      '2026-11-22T21:00:00.000Z',
      '2026-11-23T07:00:00.000Z',
      '2026-11-23T08:00:00.000Z',
    ]);

    // The store's zone (Europe/Moscow) is the default for its registers.
    const storeDefault = await admin.get<{ buckets: Bucket[] }>(
      `/api/reports/sales?period=day&date=2026-11-23&storeId=${storeId}`,
    );
    expect(storeDefault.body.buckets[0]!.start).toBe('2026-11-22T21:00:00.000Z');

    const month = await admin.get<{ period: string; buckets: Bucket[] }>(
      `/api/reports/sales?period=month&date=2026-11&registerId=${registers.report}&tz=Europe/Moscow`,
    );
    expect(month.body.buckets).toHaveLength(30);
    expect(month.body.buckets[0]!.start).toBe('2026-10-31T21:00:00.000Z');
    expect(month.body.buckets[21]).toEqual({
      start: '2026-11-21T21:00:00.000Z',
      salesSum: 2_000,
      salesCount: 1,
      returnsSum: 0,
      returnsCount: 0,
    });
    expect(month.body.buckets[22]).toEqual({
      start: '2026-11-22T21:00:00.000Z',
      salesSum: 46_000,
      salesCount: 3,
      returnsSum: 5_000,
      returnsCount: 1,
    });
    expect(month.body.buckets[29]!.salesSum).toBe(0);

    // In UTC the same documents fall on other days: the 22nd's 20:59 and 21:00 sales are both the 22nd.
    const utc = await admin.get<{ buckets: Bucket[] }>(
      `/api/reports/sales?period=month&date=2026-11&registerId=${registers.report}&tz=UTC`,
    );
    expect(utc.body.buckets[21]).toMatchObject({ start: '2026-11-22T00:00:00.000Z', salesSum: 3_000 });
    expect(utc.body.buckets[29]).toMatchObject({ start: '2026-11-30T00:00:00.000Z', salesSum: 4_000 });

    // Another organisation's admin sees nothing of it.
    const foreign = await other.get<{ buckets: Bucket[] }>(
      `/api/reports/sales?period=day&date=2026-11-23&registerId=${registers.report}&tz=Europe/Moscow`,
    );
    expect(foreign.body.buckets.every((b) => b.salesSum === 0 && b.returnsSum === 0)).toBe(true);
  });

  it('records every change in the audit log and pages it newest first', async () => {
    const first =
      await admin.get<Page<{ id: string; at: string; actor: string; action: string; target: string }>>(
        '/api/audit?limit=200',
      );
    const actions = first.body.items.map((e) => e.action);
    for (const action of ['user.create', 'store.create', 'store.update', 'register.create'])
      expect(actions, action).toContain(action);
    const storeUpdate = first.body.items.find((e) => e.action === 'store.update')!;
    expect(storeUpdate).toMatchObject({ actor: ADMIN.email, target: storeId });
    expect(first.body.items.filter((e) => e.action === 'register.create')).toHaveLength(3);
    // Nothing from the other organisation, nothing from refused requests.
    expect(first.body.items.some((e) => e.actor === OTHER.email)).toBe(false);
    expect(first.body.items.some((e) => e.actor === VIEWER.email && e.action !== 'auth.login')).toBe(false);

    const organisationId = (
      await world.prisma.organisation.findFirstOrThrow({ orderBy: { createdAt: 'asc' } })
    ).id;
    const at = new Date();
    await world.prisma.auditLog.createMany({
      data: Array.from({ length: 60 }, (_, i) => ({
        organisationId,
        actor: 'script@example.kz',
        action: 'test.bulk',
        target: String(i),
        at,
      })),
    });
    const total = await world.prisma.auditLog.count({ where: { organisationId } });
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const page: { body: Page<{ id: string }> } = await admin.get<Page<{ id: string }>>(
        `/api/audit?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      seen.push(...page.body.items.map((e) => e.id));
      cursor = page.body.nextCursor;
      if (!cursor) break;
    }
    expect(seen.length).toBe(total);
    expect(new Set(seen).size).toBe(total);
  });

  it('describes every route of the admin API contract in the OpenAPI document at /api/docs', async () => {
    const response = await fetch(`${world.cloud.url}/api/docs/openapi.json`);
    type Operation = {
      parameters?: { name: string }[];
      requestBody?: unknown;
      responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
    };
    const doc = (await response.json()) as { paths: Record<string, Record<string, Operation>> };
    const routes = Object.values(apiRoutes).flatMap((feature) => Object.values(feature) as RouteContract[]);
    expect(routes.length).toBeGreaterThan(30);
    for (const route of routes) {
      const where = `${route.method} ${route.path}`;
      const operation = doc.paths[route.path.replace(/:(\w+)/g, '{$1}')]?.[route.method.toLowerCase()];
      expect(operation, where).toBeDefined();
      // The body and the answer are the contract's own schemas, as they are on the wire.
      if (route.body)
        expect(operation!.requestBody, where).toMatchObject({ content: { 'application/json': {} } });
      else expect(operation!.requestBody, where).toBeUndefined();
      const status = String(successStatus(route));
      expect(Object.keys(operation!.responses), where).toContain(status);
      if (route.response !== null && route.response !== 'image/png')
        expect(operation!.responses[status]!.content!['application/json']!.schema, where).toEqual(
          wireJsonSchema(route.response),
        );
    }
    expect(doc.paths['/api/documents']!.get!.parameters!.map((p) => p.name)).toEqual(
      expect.arrayContaining(['cursor', 'limit', 'registerId', 'from', 'to', 'amountMin', 'status']),
    );
    expect(JSON.stringify(doc.paths['/api/registers/{id}/commands']!.post!.requestBody)).toContain(
      'shift.close',
    );
    expect(JSON.stringify(doc.paths['/api/registers']!.post!.requestBody)).toContain('kkmOfdId');
    // Dates are ISO strings on the wire: the answer's schema says so.
    expect(JSON.stringify(doc.paths['/api/users']!.get!.responses['200'])).toContain('date-time');
  });

  // Last: it adds a register, which the counts above do not expect.
  it('changes only what a PATCH names: a renamed register keeps its tax table', async () => {
    const taxTable = [
      { percent: 16, name: 'НДС 16%' },
      { percent: 0, name: 'Без НДС', exempt: true },
    ];
    const created = await admin.post<{ id: string }>('/api/registers', {
      storeId,
      name: 'Касса с налогами',
      device: device(),
      taxTable,
    });
    expect(created.status).toBe(201);
    const renamed = await admin.call('PATCH', `/api/registers/${created.body.id}`, { name: 'Касса 2' });
    expect(renamed.status).toBe(200);
    const details = await admin.get<{ name: string; taxTable: unknown[] }>(
      `/api/registers/${created.body.id}`,
    );
    expect(details.body).toMatchObject({ name: 'Касса 2', taxTable });
  });

  it("moves a register's tax table to the new country's default when its currency changes, unless it was edited", async () => {
    const create = async (name: string, taxTable?: unknown) =>
      (
        await admin.post<{ id: string }>('/api/registers', {
          storeId,
          name,
          currency: 'KZT',
          device: device(),
          ...(taxTable ? { taxTable } : {}),
        })
      ).body.id;
    const table = async (id: string) =>
      (await admin.get<{ taxTable: { percent: number }[] }>(`/api/registers/${id}`)).body.taxTable;
    const kztDefault = await table(await create('Касса по умолчанию'));
    // Written out as the default it is, and written out edited.
    const asDefault = await create('Касса KZT', kztDefault);
    const edited = await create('Касса с правкой', [{ percent: 16, name: 'НДС 16%' }]);
    for (const id of [asDefault, edited])
      expect((await admin.call('PATCH', `/api/registers/${id}`, { currency: 'RUB' })).status).toBe(200);
    expect((await table(asDefault)).map((row) => row.percent)).toContain(20);
    expect(await table(edited)).toEqual([{ percent: 16, name: 'НДС 16%' }]);
  });
});
