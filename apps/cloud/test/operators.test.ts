import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, viewerToken } from './admin-kit';
import { CloudWorld, waitUntil } from './cloud-world';

interface SimState {
  registers: { kkmOfdId: number; id: number; bindings: number[] }[];
  operators: { id: number; name: string; role: number; accessPin: string }[];
}
interface OperatorAnswer {
  id: string;
  name: string;
  role: string;
  hasPin: boolean;
  registers: {
    registerId: string;
    registerName: string;
    registerCode: number | null;
    syncedAt: string | null;
  }[];
  syncErrors: { registerId: string; message: string }[];
}

/** Cash-core role codes (seed 003 OperatorRoleTypeEnum). */
const SENIOR_CASHIER = 2;
const CASHIER = 3;

describe('operators: the cloud keeps the cash core’s cashiers', () => {
  const world = new CloudWorld();
  let admin: string;
  beforeAll(async () => {
    await world.start();
    await world.seedStore();
    await world.startAgent();
    admin = await world.adminToken();
  }, 120_000);
  afterAll(() => world.close());

  const sim = async (): Promise<SimState> =>
    (await fetch(`${world.cashCore.url}/_sim/state`)).json() as Promise<SimState>;
  const simOperator = async (code: number | null) => (await sim()).operators.find((o) => o.id === code);
  /** Signs in to the cash core with a PIN, as a cashier at the register would. */
  const signIn = async (pin: string) => {
    const response = await fetch(`${world.cashCore.url}/GetKKMList`, {
      method: 'POST',
      headers: { authorization: pin, 'content-type': 'application/json' },
      body: '{}',
    });
    return (await response.json()) as { response_code: number; response_data: unknown };
  };
  const codeOn = (operator: OperatorAnswer, registerId: string) =>
    operator.registers.find((r) => r.registerId === registerId)?.registerCode ?? null;

  it('creates, edits, re-pins, unbinds and deletes a cashier on the cash core', async () => {
    const { cashCore, ikkm } = world.seed!.registers;
    const created = await api(world, admin, 'POST', '/api/operators', {
      name: 'Айгерим',
      role: 'cashier',
      pin: '4821',
      registerIds: [cashCore, ikkm],
    });
    expect(created.status).toBe(201);
    const operator = created.body as OperatorAnswer;
    expect(operator).toMatchObject({ name: 'Айгерим', role: 'cashier', hasPin: true, syncErrors: [] });
    const code = codeOn(operator, cashCore);
    expect(code).toEqual(expect.any(Number));
    expect(operator.registers.find((r) => r.registerId === cashCore)?.syncedAt).toEqual(expect.any(String));
    // The iKKM keeps its own cashiers: the link is only recorded.
    expect(operator.registers.find((r) => r.registerId === ikkm)).toMatchObject({
      registerName: 'iKKM 1',
      registerCode: null,
      syncedAt: null,
    });
    expect(await simOperator(code)).toMatchObject({ name: 'Айгерим', role: CASHIER, accessPin: '4821' });
    const signedIn = await signIn('4821');
    expect(signedIn.response_code).toBe(0);
    expect(signedIn.response_data).toEqual([expect.objectContaining({ ofd_id: 6923 })]);

    // The PIN is stored sealed, and neither the document ledger nor the audit log keeps it in clear.
    const row = await world.prisma.operator.findUniqueOrThrow({ where: { id: operator.id } });
    expect(row.pinEncrypted).toMatch(/^v1\./);
    expect(row.pinEncrypted).not.toContain('4821');
    const syncDocuments = await world.prisma.fiscalDocument.findMany({ where: { kind: 'operators.sync' } });
    expect(syncDocuments.length).toBeGreaterThan(0);
    expect(syncDocuments.every((d) => d.status === 'done' && d.originChannel === 'admin')).toBe(true);
    expect(JSON.stringify(syncDocuments)).not.toContain('4821');

    const edited = await api(world, admin, 'PATCH', `/api/operators/${operator.id}`, {
      name: 'Айгерим Сарсенова',
      role: 'seniorCashier',
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ name: 'Айгерим Сарсенова', role: 'seniorCashier', syncErrors: [] });
    expect(codeOn(edited.body as OperatorAnswer, cashCore)).toBe(code);
    expect(await simOperator(code)).toMatchObject({
      name: 'Айгерим Сарсенова',
      role: SENIOR_CASHIER,
      accessPin: '4821',
    });

    const repinned = await api(world, admin, 'POST', `/api/operators/${operator.id}/reset-pin`, {
      pin: '593017',
    });
    expect(repinned.status).toBe(200);
    expect(repinned.body.syncErrors).toEqual([]);
    expect(await simOperator(code)).toMatchObject({ accessPin: '593017' });
    expect((await signIn('4821')).response_code).toBe(5);
    expect((await signIn('593017')).response_code).toBe(0);

    // Unbinding the cash core deletes the cashier there; binding again creates it again.
    const unbound = await api(world, admin, 'PATCH', `/api/operators/${operator.id}`, {
      registerIds: [ikkm],
    });
    expect(unbound.status).toBe(200);
    expect((unbound.body as OperatorAnswer).registers.map((r) => r.registerId)).toEqual([ikkm]);
    expect(await simOperator(code)).toBeUndefined();
    const rebound = await api(world, admin, 'PATCH', `/api/operators/${operator.id}`, {
      registerIds: [ikkm, cashCore],
    });
    const newCode = codeOn(rebound.body as OperatorAnswer, cashCore);
    expect(await simOperator(newCode)).toMatchObject({ name: 'Айгерим Сарсенова', accessPin: '593017' });

    const deleted = await fetch(`${world.cloud.url}/api/operators/${operator.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(deleted.status).toBe(204);
    expect(await simOperator(newCode)).toBeUndefined();
    expect((await signIn('593017')).response_code).toBe(5);
    const listed = await api(world, admin, 'GET', '/api/operators');
    expect((listed.body as OperatorAnswer[]).some((o) => o.id === operator.id)).toBe(false);
    const audit = await world.prisma.auditLog.findMany({
      where: { target: operator.id },
      orderBy: { at: 'asc' },
    });
    expect(audit.map((a) => a.action)).toEqual([
      'operator.create',
      'operator.update',
      'operator.resetPin',
      'operator.update',
      'operator.update',
      'operator.delete',
    ]);
    expect(JSON.stringify(audit)).not.toMatch(/4821|593017/);
  });

  it('a viewer reads but changes nothing; bad input and other organisations are refused', async () => {
    const viewer = await viewerToken(world);
    const { cashCore } = world.seed!.registers;
    expect((await api(world, viewer, 'GET', '/api/operators')).status).toBe(200);
    const body = { name: 'Ержан', role: 'cashier', pin: '7777', registerIds: [cashCore] };
    expect((await api(world, viewer, 'POST', '/api/operators', body)).status).toBe(403);
    const created = await api(world, admin, 'POST', '/api/operators', body);
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await api(world, viewer, 'PATCH', `/api/operators/${id}`, { name: 'x' })).status).toBe(403);
    expect((await api(world, viewer, 'POST', `/api/operators/${id}/reset-pin`, { pin: '1234' })).status).toBe(
      403,
    );
    expect((await api(world, viewer, 'DELETE', `/api/operators/${id}`)).status).toBe(403);
    expect((await simOperator(codeOn(created.body as OperatorAnswer, cashCore)))?.name).toBe('Ержан');

    const badPin = await api(world, admin, 'POST', '/api/operators', { ...body, pin: '12' });
    expect(badPin.status).toBe(400);
    expect(badPin.body.message).toMatch(/pin: PIN is 4–8 digits/);
    expect((await api(world, admin, 'POST', '/api/operators', { ...body, role: 'boss' })).status).toBe(400);
    expect((await api(world, admin, 'PATCH', '/api/operators/no-such-operator', { name: 'x' })).status).toBe(
      404,
    );
    const other = await world.prisma.organisation.create({ data: { name: 'Чужая организация' } });
    const store = await world.prisma.store.create({
      data: { organisationId: other.id, name: 'Чужой магазин' },
    });
    const foreign = await world.prisma.register.create({
      data: {
        storeId: store.id,
        kind: 'cash_core',
        name: 'Чужая касса',
        config: { url: 'http://127.0.0.1:1', secret: 'x', taxTable: [] },
      },
    });
    expect(
      (await api(world, admin, 'POST', '/api/operators', { ...body, pin: '7778', registerIds: [foreign.id] }))
        .status,
    ).toBe(404);
    const foreignOperator = await world.prisma.operator.create({
      data: { organisationId: other.id, name: 'Чужой кассир', role: 'cashier' },
    });
    expect((await api(world, admin, 'DELETE', `/api/operators/${foreignOperator.id}`)).status).toBe(404);
    expect(
      ((await api(world, admin, 'GET', '/api/operators')).body as OperatorAnswer[]).some(
        (o) => o.id === foreignOperator.id,
      ),
    ).toBe(false);
  });

  it('keeps the change when the register cannot be reached, and syncs it on the next save', async () => {
    const { cashCore } = world.seed!.registers;
    await world.stopAgent();
    await waitUntil(
      async () =>
        !(await world.prisma.agent.findUniqueOrThrow({ where: { id: world.seed!.agentId } })).online,
      10_000,
      'agent offline',
    );
    const created = await api(world, admin, 'POST', '/api/operators', {
      name: 'Дана',
      role: 'cashier',
      pin: '246810',
      registerIds: [cashCore],
    });
    expect(created.status).toBe(201);
    expect(created.body.syncErrors).toEqual([
      { registerId: cashCore, message: expect.stringMatching(/offline/) },
    ]);
    expect(created.body.registers).toEqual([expect.objectContaining({ registerCode: null, syncedAt: null })]);
    expect((await sim()).operators.some((o) => o.name === 'Дана')).toBe(false);

    await world.startAgent();
    const saved = await api(world, admin, 'PATCH', `/api/operators/${created.body.id as string}`, {});
    expect(saved.body.syncErrors).toEqual([]);
    expect(await simOperator(codeOn(saved.body as OperatorAnswer, cashCore))).toMatchObject({
      name: 'Дана',
      accessPin: '246810',
    });
  });
});
