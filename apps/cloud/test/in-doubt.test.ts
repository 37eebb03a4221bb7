import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saleBody } from '@kassa-relay/testing';
import { io, type Socket } from 'socket.io-client';
import {
  canonicalError,
  type CommandEnvelope,
  type CommandInDoubt,
  type SaleAnswer,
  WS_ERROR_CODES,
  wsErrorDataSchema,
} from '@kassa-relay/protocol';
import { storeRegisterConfig } from '../src/registers/register-config';
import { SecretBox } from '../src/security/secret-box';
import { hashSecret, newSecret } from '../src/security/secret-hash';
import { AdminClient } from './admin-client';
import { viewerToken } from './admin-kit';
import { ADMIN, CloudWorld, PosWsClient, postSale, waitUntil } from './cloud-world';
import { ScriptedAgent } from './scripted-agent';

/** How long a POS request waits for the register here (the product's default is longer). */
const WAIT_MS = 4_000;

const EVIDENCE = [
  { at: '2026-11-23T10:00:40.000Z', text: 'повтор с тем же ключом: -2 «идёт регистрация», попробую позже' },
  { at: '2026-11-23T10:00:15.000Z', text: 'ответ на /api не пришёл за 10 с' },
];

const doubt = (command: CommandEnvelope, extra: Partial<CommandInDoubt> = {}): CommandInDoubt => ({
  commandId: command.id,
  registerId: command.registerId,
  type: command.command.type,
  since: '2026-11-23T10:00:15.000Z',
  attempts: 2,
  evidence: EVIDENCE,
  ...extra,
});

const receiptDone = (fiscalId: string) =>
  ({
    ok: true,
    result: { type: 'receipt', fiscalId, checkNumber: 7, documentNumber: 7, shiftNumber: 1 },
  }) as const;

describe('documents in doubt: heartbeats, results bound to their agent, the admin decision, POS answers', () => {
  const world = new CloudWorld({ env: { KASSA_POS_WAIT_MS: String(WAIT_MS) } });
  let seed: NonNullable<CloudWorld['seed']>;
  /** The store's agent (serves both seeded registers), scripted. */
  let agent: ScriptedAgent;
  /** Another enrolled agent of the same organisation, serving a register of its own. */
  let other: ScriptedAgent;
  let otherRegister: string;
  let admin: AdminClient;
  let viewer: AdminClient;
  let socket: Socket;
  const live: { event: string; payload: { documentId?: string; status?: string } }[] = [];

  const sale = async (body: object): Promise<SaleAnswer> => {
    const { status, answer } = await postSale(world.cloud.url, seed.posKeys.cashCore, body);
    expect(status).toBe(200);
    return answer as SaleAnswer;
  };
  const documentOf = (commandId: string) =>
    world.prisma.fiscalDocument.findUniqueOrThrow({ where: { commandId } });
  const metrics = async () => (await fetch(`${world.cloud.url}/metrics`)).text();
  const metric = async (pattern: RegExp) => Number((await metrics()).match(pattern)?.[1] ?? NaN);
  const ignored = (reason: string) =>
    metric(new RegExp(`kassa_cloud_results_ignored_total\\{reason="${reason}"\\} (\\d+)`));
  /** A sale whose receipt command reached the agent and got no answer (yet). */
  const saleSent = async (docNumber: string) => {
    const from = agent.commands.length;
    const answer = sale(saleBody(docNumber));
    const command = await agent.nextCommand('receipt', from);
    return { answer, command };
  };
  /** A sale in doubt: its command went out, the agent's heartbeat said so, the client heard code 5. */
  const saleInDoubt = async (docNumber: string) => {
    const { answer, command } = await saleSent(docNumber);
    await agent.heartbeat([doubt(command, { needs: 'operator' })]);
    expect(await answer).toMatchObject({ status: 'error', code: 5 });
    return command;
  };

  beforeAll(async () => {
    await world.start();
    seed = await world.seedStore();
    const box = new SecretBox(Buffer.from(world.secretKey, 'hex'));
    const otherId = `agent-${randomBytes(4).toString('hex')}`;
    const otherPassword = newSecret();
    await world.prisma.agent.create({
      data: {
        id: otherId,
        storeId: seed.storeId,
        name: 'Склад',
        mqttUsername: otherId,
        mqttPasswordHash: await hashSecret(otherPassword),
      },
    });
    otherRegister = (
      await world.prisma.register.create({
        data: {
          storeId: seed.storeId,
          agentId: otherId,
          kind: 'ikkm',
          name: 'iKKM склад',
          config: storeRegisterConfig(
            { kind: 'ikkm', url: 'http://127.0.0.1:9', initialKey: '11112222' },
            [{ percent: 12 }],
            box,
          ) as object,
        },
      })
    ).id;
    agent = await ScriptedAgent.connect(
      world.cloud.mqttUrl,
      {
        agentId: seed.agentId,
        password: seed.agentPassword,
      },
      ['register.info', 'receipt.reprint', 'command.resolve'],
    );
    other = await ScriptedAgent.connect(world.cloud.mqttUrl, { agentId: otherId, password: otherPassword });
    await waitUntil(
      async () => (await world.prisma.agent.count({ where: { online: true } })) === 2,
      20_000,
      'both agents online in the cloud',
    );
    const token = await world.adminToken();
    admin = new AdminClient(world.cloud.url, token);
    viewer = new AdminClient(world.cloud.url, await viewerToken(world));
    socket = io(`${world.cloud.url}/admin`, { auth: { token }, transports: ['websocket'] });
    socket.onAny((event: string, payload: { documentId?: string; status?: string }) =>
      live.push({ event, payload }),
    );
    await waitUntil(() => socket.connected, 10_000, 'admin socket connected');
  }, 120_000);

  afterAll(async () => {
    socket?.close();
    await agent?.close().catch(() => undefined);
    await other?.close().catch(() => undefined);
    await world.close();
  }, 60_000);

  let doubted: CommandEnvelope;

  it('a /sale whose command goes in doubt answers code 5 "do not fiscalize again", keeps the evidence and opens no new command on a repeat', async () => {
    const body = saleBody('DOUBT-1');
    const from = agent.commands.length;
    const first = sale(body);
    doubted = await agent.nextCommand('receipt', from);
    await agent.heartbeat([doubt(doubted, { needs: 'operator' })]);
    // The first request's wait ends with the command in doubt.
    const answer = await first;
    expect(answer).toMatchObject({ status: 'error', code: 5 });
    expect(answer.message).toMatch(/проверяется на кассе/);
    expect(answer.message).toMatch(/НЕ фискализируйте документ повторно/);
    expect(answer.message).toMatch(/повторите этот же запрос/);

    const row = await documentOf(doubted.id);
    expect(row).toMatchObject({
      status: 'inDoubt',
      doubtSince: new Date('2026-11-23T10:00:15.000Z'),
      doubtAttempts: 2,
      doubtNeeds: 'operator',
      doubtEvidence: EVIDENCE,
      completedAt: null,
      answer: null,
    });
    await waitUntil(
      () =>
        live.some(
          (e) =>
            e.event === 'document.changed' &&
            e.payload.documentId === row.id &&
            e.payload.status === 'inDoubt',
        ),
      5_000,
      'document.changed inDoubt on /admin',
    );

    // The repeat answers at once, the same way, and sends nothing to the register.
    const sent = agent.commands.length;
    const repeat = await sale(body);
    expect(repeat).toEqual(answer);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(agent.commands.length).toBe(sent);
    const rows = await world.prisma.fiscalDocument.findMany({
      where: { registerId: seed.registers.cashCore, idempotencyKey: { contains: 'DOUBT-1' } },
    });
    expect(rows.map((r) => r.commandId)).toEqual([doubted.id]);

    // The same heartbeat again writes nothing.
    await agent.heartbeat([doubt(doubted, { needs: 'operator' })]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await documentOf(doubted.id)).doubtUpdatedAt).toEqual(row.doubtUpdatedAt);

    // The office sees it: the document with its evidence, the filter, the register, the agent, /metrics.
    const view = await admin.get<{
      status: string;
      doubt: { since: string; attempts: number; needs: string; evidence: unknown[] };
      resolution: unknown;
    }>(`/api/documents/${row.id}`);
    expect(view.body).toMatchObject({
      status: 'inDoubt',
      doubt: { since: '2026-11-23T10:00:15.000Z', attempts: 2, needs: 'operator', evidence: EVIDENCE },
      resolution: null,
    });
    const list = await admin.get<{ items: { id: string }[] }>('/api/documents?status=inDoubt');
    expect(list.body.items.map((d) => d.id)).toContain(row.id);
    const register = await admin.get<{ inDoubt: number }>(`/api/registers/${seed.registers.cashCore}`);
    expect(register.body.inDoubt).toBe(1);
    const agents = await admin.get<{ id: string; inDoubt: number | null }[]>('/api/agents');
    expect(agents.body.find((a) => a.id === seed.agentId)?.inDoubt).toBe(1);
    expect(await metric(/kassa_cloud_documents_in_doubt (\d+)/)).toBe(1);
  });

  it('the final result completes a document in doubt, and a stale "failed" afterwards changes nothing', async () => {
    await agent.result(doubted, receiptDone('FISCAL-1'), { evidence: [EVIDENCE[0]!] });
    await waitUntil(async () => (await documentOf(doubted.id)).status === 'done', 5_000, 'document done');
    const done = await documentOf(doubted.id);
    expect(done).toMatchObject({ fiscalId: 'FISCAL-1', answer: { code: 0, fiscalID: 'FISCAL-1' } });
    expect(done.completedAt).not.toBeNull();
    // The client's repeat now gets the receipt (reprinted, never fiscalized again).
    expect(await sale(saleBody('DOUBT-1'))).toMatchObject({ code: 0, fiscalID: 'FISCAL-1' });

    const before = await ignored('final');
    await agent.result(doubted, { ok: false, error: canonicalError('DEVICE_ERROR', 'late failure') });
    await waitUntil(async () => (await ignored('final')) === before + 1, 5_000, 'the stale result counted');
    expect(await documentOf(doubted.id)).toMatchObject({
      status: 'done',
      fiscalId: 'FISCAL-1',
      error: null,
      completedAt: done.completedAt,
    });
    expect(await metric(/kassa_cloud_documents_in_doubt (\d+)/)).toBe(0);
  });

  it("never applies nor answers a result forged on another agent's results topic", async () => {
    const { answer, command } = await saleSent('FORGE-1');
    const before = await ignored('notOwner');
    await other.result(command, receiptDone('FORGED-1'));
    await waitUntil(
      async () => (await ignored('notOwner')) === before + 1,
      3_000,
      'the forged result counted',
    );
    expect((await documentOf(command.id)).status).toBe('pending');
    await agent.result(command, receiptDone('GENUINE-1'));
    expect(await answer).toMatchObject({ code: 0, fiscalID: 'GENUINE-1' });
    expect(await documentOf(command.id)).toMatchObject({ status: 'done', fiscalId: 'GENUINE-1' });

    // A heartbeat names only its own agent's documents: the other agent's stays as it was.
    const foreign = await world.prisma.fiscalDocument.create({
      data: {
        registerId: otherRegister,
        idempotencyKey: 'foreign-1',
        commandId: 'foreign-command-1',
        kind: 'receipt',
        originChannel: 'sale',
      },
    });
    const mine = await saleSent('MINE-1');
    await agent.heartbeat([
      doubt(mine.command),
      { ...doubt(mine.command), commandId: foreign.commandId, registerId: otherRegister },
      // Its own command id under another register is not its document either.
      { ...doubt(mine.command), commandId: foreign.commandId, registerId: seed.registers.cashCore },
    ]);
    await mine.answer;
    expect((await documentOf(mine.command.id)).status).toBe('inDoubt');
    expect(await documentOf(foreign.commandId)).toMatchObject({ status: 'pending', doubtEvidence: null });
    // The other agent's own heartbeat does make its own document in doubt.
    await other.heartbeat([
      { ...doubt(mine.command), commandId: foreign.commandId, registerId: otherRegister },
    ]);
    await waitUntil(
      async () => (await documentOf(foreign.commandId)).status === 'inDoubt',
      5_000,
      "the other agent's document in doubt",
    );
  });

  it('binds a document to the agent its command was published to, also when the register moves to another agent', async () => {
    const { answer, command } = await saleSent('MOVE-1');
    expect((await documentOf(command.id)).agentId).toBe(seed.agentId);
    // The office moves the register to the other agent while the command is out.
    await world.prisma.register.update({
      where: { id: seed.registers.cashCore },
      data: { agentId: other.agentId },
    });
    try {
      const before = await ignored('notOwner');
      await other.result(command, receiptDone('FROM-NEW-AGENT'));
      await waitUntil(async () => (await ignored('notOwner')) === before + 1, 3_000, 'the new agent refused');
      await agent.result(command, receiptDone('FROM-OWN-AGENT'));
      expect(await answer).toMatchObject({ code: 0, fiscalID: 'FROM-OWN-AGENT' });
      expect(await documentOf(command.id)).toMatchObject({ status: 'done', fiscalId: 'FROM-OWN-AGENT' });
    } finally {
      await world.prisma.register.update({
        where: { id: seed.registers.cashCore },
        data: { agentId: seed.agentId },
      });
    }
  });

  let oldAgentDoubt: CommandEnvelope;

  it("makes an older agent's RESULT_UNKNOWN a doubt, never a failure", async () => {
    const { answer, command } = await saleSent('OLD-1');
    oldAgentDoubt = command;
    await agent.result(command, { ok: false, error: canonicalError('RESULT_UNKNOWN') });
    expect(await answer).toMatchObject({ status: 'error', code: 5 });
    const row = await documentOf(command.id);
    expect(row).toMatchObject({ status: 'inDoubt', completedAt: null, answer: null });
    expect(row.doubtEvidence).toEqual([
      { at: expect.any(String), text: expect.stringMatching(/неизвестен/) },
    ]);
    const sent = agent.commands.length;
    expect((await sale(saleBody('OLD-1'))).message).toMatch(/НЕ фискализируйте документ повторно/);
    expect(agent.commands.length).toBe(sent);
  });

  it('lets an admin (not a viewer) decide a document in doubt, audited and sent to the agent; later device results are ignored', async () => {
    const command = await saleInDoubt('RESOLVE-1');
    const { id } = await documentOf(command.id);
    const decision = { decision: 'done', fiscalId: 'PAPER-1', note: 'чек напечатан, в ОФД есть' };

    // A viewer reads the evidence and may not decide.
    expect((await viewer.get<{ doubt: unknown }>(`/api/documents/${id}`)).body.doubt).toMatchObject({
      evidence: EVIDENCE,
    });
    expect((await viewer.post(`/api/documents/${id}/resolve`, decision)).status).toBe(403);
    // Bad decisions are refused with the reason.
    const bad: [object, RegExp][] = [
      [{ decision: 'done', fiscalId: 'PAPER-1' }, /note/],
      [{ decision: 'done', fiscalId: 'PAPER-1', note: '   ' }, /note/],
      [{ decision: 'done', note: 'напечатан' }, /fiscalId/],
      [{ decision: 'notDone', fiscalId: 'PAPER-1', note: 'не напечатан' }, /fiscalId/],
      [{ decision: 'maybe', note: 'не знаю' }, /decision/],
    ];
    for (const [body, message] of bad) {
      const reply = await admin.post<{ message: string }>(`/api/documents/${id}/resolve`, body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.message).toMatch(message);
    }
    // Only a document in doubt can be decided.
    const finished = await documentOf(doubted.id);
    const notInDoubt = await admin.post<{ error: { code: string } }>(
      `/api/documents/${finished.id}/resolve`,
      decision,
    );
    expect(notInDoubt.status).toBe(409);
    expect(notInDoubt.body.error.code).toBe('NOT_IN_DOUBT');
    expect((await admin.post('/api/documents/no-such-document/resolve', decision)).status).toBe(404);

    const from = agent.commands.length;
    const reply = await admin.post<{
      status: string;
      fiscalId: string;
      resolution: { decision: string; by: string; note: string; at: string };
      resolveCommand: { documentId: string; status: string };
    }>(`/api/documents/${id}/resolve`, decision);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      status: 'done',
      fiscalId: 'PAPER-1',
      resolution: { decision: 'done', by: ADMIN.email, note: decision.note },
      resolveCommand: { status: 'done' },
    });
    // The agent got command.resolve for that command, recorded like any command.
    const resolve = await agent.nextCommand('command.resolve', from);
    expect(resolve.command).toEqual({
      type: 'command.resolve',
      commandId: command.id,
      decision: 'done',
      fiscalId: 'PAPER-1',
      note: decision.note,
    });
    expect(resolve.registerId).toBe(seed.registers.cashCore);
    expect(await documentOf(resolve.id)).toMatchObject({
      kind: 'command.resolve',
      originChannel: 'admin',
      originActor: ADMIN.email,
      status: 'done',
    });
    expect(reply.body.resolveCommand.documentId).toBe((await documentOf(resolve.id)).id);
    // The audit log says who decided what, and why.
    const audit = await admin.get<{
      items: { action: string; target: string; actor: string; details: unknown }[];
    }>('/api/audit?limit=5');
    expect(audit.body.items.find((entry) => entry.action === 'document.resolve')).toMatchObject({
      target: id,
      actor: ADMIN.email,
      details: { decision: 'done', fiscalId: 'PAPER-1', note: decision.note, commandId: command.id },
    });

    // The agent's own settlement, and a late device result, change nothing.
    const resolvedBefore = await ignored('resolved');
    await agent.result(command, receiptDone('PAPER-1'), { resolvedBy: 'operator' });
    await agent.result(command, receiptDone('DEVICE-LATE'));
    await waitUntil(
      async () => (await ignored('resolved')) === resolvedBefore + 2,
      5_000,
      'late results counted as ignored',
    );
    expect(await documentOf(command.id)).toMatchObject({ status: 'done', fiscalId: 'PAPER-1' });
    // The POS client's repeat gets the decided receipt.
    expect(await sale(saleBody('RESOLVE-1'))).toMatchObject({ code: 0, fiscalID: 'PAPER-1' });
    // Decided once: a second decision is refused.
    expect((await admin.post(`/api/documents/${id}/resolve`, decision)).status).toBe(409);
  });

  it('an admin "not done" makes the document failed (NOT_PERFORMED) and the client may send it again', async () => {
    const { id } = await documentOf(oldAgentDoubt.id);
    const reply = await admin.post<{ status: string; error: { code: string; message: string } }>(
      `/api/documents/${id}/resolve`,
      { decision: 'notDone', note: 'чека нет ни на кассе, ни в ОФД' },
    );
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ status: 'failed', error: { code: 'NOT_PERFORMED' } });
    expect(reply.body.error.message).toMatch(/Оператор установил/);
    // A proven failure may be retried: the repeat is a new command, fiscalized once.
    const from = agent.commands.length;
    const retry = sale(saleBody('OLD-1'));
    const again = await agent.nextCommand('receipt', from);
    expect(again.id).not.toBe(oldAgentDoubt.id);
    await agent.result(again, receiptDone('FISCAL-RETRY'));
    expect(await retry).toMatchObject({ code: 0, fiscalID: 'FISCAL-RETRY' });
  });

  it('WS (seed 000): a command in doubt when the wait ends answers the in-progress error, "do not repeat"', async () => {
    const client = await PosWsClient.connect(world.cloud.url, seed.posKeys.ikkm, 'header');
    try {
      const from = agent.commands.length;
      const answer = client.call({
        event: 'new_transaction',
        data: {
          cashier: 'Сидр Петров',
          doc_type: 2,
          pyment_type: 0,
          wares: [{ name: 'Чай', barcode: '1', tax_number: 0, price: 100, quantity: 1 }],
        },
      });
      const command = await agent.nextCommand('receipt', from);
      await agent.heartbeat([doubt(command)]);
      const frame = (await answer) as { event: string; data: unknown };
      expect(frame.event).toBe('onnew_transaction');
      const data = wsErrorDataSchema.parse(frame.data);
      expect(data.error_code).toBe(WS_ERROR_CODES.IN_PROGRESS);
      expect(data.text).toMatch(/проверяется на кассе/);
      expect(data.text).toMatch(/НЕ выполняйте операцию повторно/);
    } finally {
      client.close();
    }
  });

  it('counts the documents in doubt in /metrics', async () => {
    const inDoubt = await world.prisma.fiscalDocument.count({ where: { status: 'inDoubt' } });
    expect(inDoubt).toBeGreaterThan(0);
    expect(await metric(/kassa_cloud_documents_in_doubt (\d+)/)).toBe(inDoubt);
    expect(await metrics()).toMatch(/kassa_cloud_results_ignored_total\{reason="duplicate"\} \d+/);
  });
});
